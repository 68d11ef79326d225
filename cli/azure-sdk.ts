/**
 * The parts of the Azure SDK the runbook's in-process reads use (cli/azure-reader.ts), named in
 * one module so the bundled CLI ships them as one CommonJS copy with V8's code cache
 * (scripts/bundle-cli.mjs, cli/bundled-module.ts): loading them as ES modules cost the first
 * existence check of every run about 60 ms of compiling, while that step waited.
 */
export { ResourceManagementClient } from '@azure/arm-resources';
export { createPipelineRequest } from '@azure/core-rest-pipeline';
