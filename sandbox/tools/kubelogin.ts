// The sandbox's fake `kubelogin`: a thin client; the command logic lives in the world's owner.
import { main } from './client.js';

await main('kubelogin');
