import { describe } from "vitest";
import { signingSuite } from "./signing.suite.ts";
import { portableSigningBackend } from "./signing-backend.ts";

describe("portable signing crypto (@noble/hashes)", () => signingSuite(portableSigningBackend));
