#!/usr/bin/env node
'use strict';
require('./launch.cjs').launch('im2rec', '../dist/cli/im2rec.js');
