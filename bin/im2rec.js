#!/usr/bin/env node
import { launch } from './launch.js';

await launch('im2rec', '../dist/cli/im2rec.js');
