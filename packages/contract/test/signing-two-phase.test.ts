import { describe } from "vitest";
import { portableSigningBackend } from "./signing-backend.ts";
import { signingTwoPhaseSuite } from "./signing-two-phase.suite.ts";

describe("portable signing crypto (@noble/hashes)", () =>
  signingTwoPhaseSuite(portableSigningBackend));
