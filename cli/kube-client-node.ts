/**
 * The three parts of @kubernetes/client-node the runbook uses, named so the bundled CLI
 * (scripts/bundle-cli.mjs) keeps only them and what they need: importing the package whole kept
 * every generated API class too, a 5.3 MB chunk parsed on every run (0.7 MB now).
 */
export { KubeConfig, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
