/**
 * The media type of aggregated discovery (apidiscovery.k8s.io/v2, GA in Kubernetes 1.30): what
 * client-go asks `/api` and `/apis` for first, and what the sandbox's API answers with. Shared by
 * the API (kube/api) and its clients (kube/client), which import nothing of each other.
 */
export const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
