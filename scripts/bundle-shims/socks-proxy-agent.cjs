// Stands in for socks-proxy-agent in the bundled CLI. @kubernetes/client-node imports it at load
// but constructs it only for a kubeconfig whose cluster names a socks:// proxy-url; loading it
// (socks, ip-address and their tables) cost 3-5 ms of every run. The real module, bundled beside
// this file, is loaded the first time such an agent is made.
let real;
exports.SocksProxyAgent = function SocksProxyAgent(...args) {
  real ??= require('../../node_modules/socks-proxy-agent/dist/index.js');
  return new real.SocksProxyAgent(...args);
};
