/**
 * The three parts of @kubernetes/client-node the runbook uses, named so the bundled CLI
 * (scripts/bundle-cli.mjs) keeps only them and what they need: importing the package whole
 * would keep every generated API class (13 MB) and parse it on every run.
 */
export { KubeConfig, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
