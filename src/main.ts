#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './cli/cli.js';

process.exit(await runCli(process.argv));
