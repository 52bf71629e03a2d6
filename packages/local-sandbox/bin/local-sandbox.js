#!/usr/bin/env node
// A dev tool, so it runs its TypeScript sources through tsx's loader, in this same process:
// the `tsx` CLI would add a parent process, and killing that one would orphan the service.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
