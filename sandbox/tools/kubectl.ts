// The sandbox's fake `kubectl`: a thin client; the command logic lives in the world's owner.
import { main } from './client.js';

await main('kubectl');
