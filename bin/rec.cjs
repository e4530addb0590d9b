#!/usr/bin/env node
'use strict';
require('./launch.cjs').launch('rec', '../dist/cli/rec.js');
