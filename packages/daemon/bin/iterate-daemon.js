#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: the daemon ships as source.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
