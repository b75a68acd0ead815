import './runtime-globals.js';
import { run } from './action/main.js';

await run();
