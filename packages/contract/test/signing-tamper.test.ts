import { describe } from "vitest";
import { portableSigningBackend } from "./signing-backend.ts";
import { signingTamperSuite } from "./signing-tamper.suite.ts";

describe("portable signing crypto (@noble/hashes)", () =>
  signingTamperSuite(portableSigningBackend));
