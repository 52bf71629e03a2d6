import { jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  AppError,
  bearerToken,
  createReplayCache,
  generateDaemonSecret,
  PLATFORM_ISSUER,
  requestTarget,
} from "../src/index.ts";
import type { SigningBackend } from "./signing-backend.ts";
import {
  BODY,
  fixtureToken,
  MACHINE_ID,
  PATH,
  SECRET,
  SECRET_BYTES,
  T0,
  T0_MS,
  URL_AS_RECEIVED,
} from "./signing-fixture.ts";
import { randomBytesFrom, refFromBase64url, refSha256, seededRandom } from "./support.ts";

/**
 * Request signing: known answers, jose and WebCrypto interop, round trips, against one signing backend: run by
 * signing.test.ts for the contract's portable crypto and by the daemon for its Node adapter.
 */
export function signingSuite({ signRequest, verifyRequest, verifyFixture }: SigningBackend): void {
  // Built once with raw WebCrypto HMAC (test/support.ts refSignJwt) and pasted: a known answer.
  const KAT_TOKEN =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJpdGVyYXRlLXBsYXRmb3JtIiwiYXVkIjoibWNoXzAxMjM0NTY3ODlhYmNkZWZnaGlqIiwiaWF0IjoxODAwMDAwMDAwLCJleHAiOjE4MDAwMDAwNjAsImp0aSI6ImthdC0wMDAxIiwiaHRtIjoiUE9TVCIsImh0dSI6Ii9wbGF0Zm9ybS9ib290c3RyYXA_eD0xIiwiYmgiOiItdXdEQzhibVF4Mm0xQzlDTkp6RlR6WXF1N3Zua0RQS1l6ODI2ZGp2cWljIn0.hIbr8Po3rKKhU-FoMMA4SO4hskvCeG-_Ujkpb6N_Asg";

  describe("request signing known answers", () => {
    it("verifies the pasted WebCrypto-built token at its clock", async () => {
      const result = await verifyFixture(KAT_TOKEN);
      expect(result).toEqual({
        ok: true,
        claims: {
          iss: PLATFORM_ISSUER,
          aud: MACHINE_ID,
          iat: T0,
          exp: T0 + 60,
          jti: "kat-0001",
          htm: "POST",
          htu: PATH,
          bh: await refSha256(BODY),
        },
      });
    });

    it("verifies a token hand-built with WebCrypto HMAC, with or without typ and with extra claims", async () => {
      expect((await verifyFixture(await fixtureToken())).ok).toBe(true);
      expect((await verifyFixture(await fixtureToken({}, { alg: "HS256" }))).ok).toBe(true);
      expect(
        (await verifyFixture(await fixtureToken({}, { typ: "JWT", kid: "d1", alg: "HS256" }))).ok,
      ).toBe(true);
      expect((await verifyFixture(await fixtureToken({ sub: "platform", nbf: T0 }))).ok).toBe(true);
      expect((await verifyFixture(await fixtureToken({ aud: ["other", MACHINE_ID] }))).ok).toBe(
        true,
      );
    });
  });

  describe("request signing interop with jose", () => {
    it("produces tokens jose's jwtVerify accepts with the contract's claims", async () => {
      const token = await signRequest({
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "post",
        url: URL_AS_RECEIVED,
        body: BODY,
        now: () => T0_MS + 999,
      });
      const { payload, protectedHeader } = await jwtVerify(token, SECRET_BYTES, {
        algorithms: ["HS256"],
        issuer: PLATFORM_ISSUER,
        audience: MACHINE_ID,
        currentDate: new Date(T0_MS),
        maxTokenAge: "60s",
      });
      expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT" });
      expect(payload).toEqual({
        iss: PLATFORM_ISSUER,
        aud: MACHINE_ID,
        iat: T0,
        exp: T0 + 60,
        jti: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        htm: "POST",
        htu: PATH,
        bh: await refSha256(BODY),
      });
    });

    it("produces tokens whose signature a raw WebCrypto HMAC check accepts", async () => {
      const token = await signRequest({
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "GET",
        url: "/platform/ping",
      });
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const key = await crypto.subtle.importKey(
        "raw",
        SECRET_BYTES,
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["verify"],
      );
      const input = new TextEncoder().encode(`${header}.${payload}`);
      expect(await crypto.subtle.verify("HMAC", key, refFromBase64url(signature), input)).toBe(
        true,
      );
      const claims = JSON.parse(new TextDecoder().decode(refFromBase64url(payload)));
      expect(claims).not.toHaveProperty("bh");
      expect(claims.htu).toBe("/platform/ping");
    });

    it("accepts tokens signed by jose's SignJWT", async () => {
      const token = await new SignJWT({ htm: "POST", htu: PATH, bh: await refSha256(BODY) })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(PLATFORM_ISSUER)
        .setAudience(MACHINE_ID)
        .setIssuedAt(T0)
        .setExpirationTime(T0 + 30)
        .setJti("jose-1")
        .sign(SECRET_BYTES);
      const result = await verifyFixture(token);
      expect(result.ok && result.claims.jti).toBe("jose-1");
    });
  });

  describe("request signing round trips", () => {
    it("verifies 200 random requests and refuses each with a changed body or path", async () => {
      const rand = seededRandom(42);
      const methods = ["GET", "POST", "PUT", "DELETE", "patch"];
      const replayCache = createReplayCache();
      for (let i = 0; i < 200; i++) {
        const secret = i % 20 === 0 ? generateDaemonSecret() : SECRET;
        const method = methods[Math.floor(rand() * methods.length)] as string;
        const path = `/agents/s${Math.floor(rand() * 1e6)}/${encodeURIComponent(String(rand()))}`;
        const query = rand() < 0.5 ? "" : `?offset=${Math.floor(rand() * 100) - 1}&live=long-poll`;
        const body = randomBytesFrom(rand, 64);
        const now = () => T0_MS + Math.floor(rand() * 1e9);
        const clock = now();
        const token = await signRequest({
          secret,
          machineId: MACHINE_ID,
          method,
          url: `http://m.local:3000${path}${query}`,
          body,
          now: () => clock,
        });
        const base = {
          token,
          secret,
          machineId: MACHINE_ID,
          method,
          body,
          now: () => clock,
          replayCache,
        };
        if (body.length > 0) {
          const changed = body.slice();
          const at = Math.floor(rand() * changed.length);
          changed[at] = (changed[at] as number) ^ 1;
          expect((await verifyRequest({ ...base, url: path + query, body: changed })).ok).toBe(
            false,
          );
        }
        expect(await verifyRequest({ ...base, url: `${path}x${query}` })).toEqual({
          ok: false,
          code: "path_mismatch",
        });
        const ok = await verifyRequest({
          ...base,
          url: `http://other-host${path}${query}`,
          body: body.buffer,
        });
        expect(ok.ok).toBe(true);
      }
    });

    it("treats string, Uint8Array and ArrayBuffer bodies of the same bytes alike", async () => {
      const bytes = new TextEncoder().encode(BODY);
      const token = await signRequest({
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "POST",
        url: PATH,
        body: bytes.buffer,
        now: () => T0_MS,
      });
      expect((await verifyFixture(token, { body: BODY })).ok).toBe(true);
      expect((await verifyFixture(token, { body: bytes })).ok).toBe(true);
      expect((await verifyFixture(token, { body: bytes.subarray(1) })).ok).toBe(false);
    });

    it("hashes large bodies (past the in-JS threshold) to the same standard digest", async () => {
      const big = new Uint8Array(100_000).map((_, i) => i % 251);
      const token = await signRequest({
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "PUT",
        url: PATH,
        body: big,
        now: () => T0_MS,
      });
      const claims = JSON.parse(
        new TextDecoder().decode(refFromBase64url(token.split(".")[1] as string)),
      );
      expect(claims.bh).toBe(await refSha256(big));
      expect((await verifyFixture(token, { method: "PUT", body: big })).ok).toBe(true);
      big[99_999] = 0;
      expect(await verifyFixture(token, { method: "PUT", body: big })).toEqual({
        ok: false,
        code: "body_mismatch",
      });
    });

    it("hashes bodies either side of the noble/WebCrypto switch (4 KiB) to the standard digest", async () => {
      for (const length of [4095, 4096, 4097, 16_384, 16_385]) {
        const body = new Uint8Array(length).map((_, i) => (i * 7) % 256);
        const token = await signRequest({
          secret: SECRET,
          machineId: MACHINE_ID,
          method: "PUT",
          url: PATH,
          body,
          now: () => T0_MS,
        });
        const claims = JSON.parse(
          new TextDecoder().decode(refFromBase64url(token.split(".")[1] as string)),
        );
        expect(claims.bh, `length ${length}`).toBe(await refSha256(body));
        expect((await verifyFixture(token, { method: "PUT", body })).ok).toBe(true);
      }
    });

    it("omits bh for every empty body form and accepts any of them on verify", async () => {
      for (const body of [undefined, null, "", new Uint8Array(0), new ArrayBuffer(0)]) {
        const token = await signRequest({
          secret: SECRET,
          machineId: MACHINE_ID,
          method: "GET",
          url: PATH,
          body,
          now: () => T0_MS,
        });
        const claims = JSON.parse(
          new TextDecoder().decode(refFromBase64url(token.split(".")[1] as string)),
        );
        expect(claims).not.toHaveProperty("bh");
        expect((await verifyFixture(token, { method: "GET", body: null })).ok).toBe(true);
        expect((await verifyFixture(token, { method: "GET", body: "" })).ok).toBe(true);
        expect(await verifyFixture(token, { method: "GET", body: "x" })).toEqual({
          ok: false,
          code: "body_mismatch",
        });
      }
    });

    it("caps the token lifetime at 60 seconds", async () => {
      const token = await signRequest({
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "GET",
        url: PATH,
        now: () => T0_MS,
        lifetimeSeconds: 600,
      });
      const claims = JSON.parse(
        new TextDecoder().decode(refFromBase64url(token.split(".")[1] as string)),
      );
      expect(claims.exp - claims.iat).toBe(60);
      const short = await signRequest({
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "GET",
        url: PATH,
        now: () => T0_MS,
        lifetimeSeconds: 10,
      });
      expect(
        JSON.parse(new TextDecoder().decode(refFromBase64url(short.split(".")[1] as string))).exp,
      ).toBe(T0 + 10);
    });

    it("mints a unique jti per request", async () => {
      const jtis = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const token = await signRequest({
          secret: SECRET,
          machineId: MACHINE_ID,
          method: "GET",
          url: PATH,
        });
        jtis.add(
          JSON.parse(new TextDecoder().decode(refFromBase64url(token.split(".")[1] as string))).jti,
        );
      }
      expect(jtis.size).toBe(200);
    });

    it("throws an AppError for a secret that is not base64url of 32 bytes (a bug, not a bad request)", async () => {
      for (const secret of ["", "short", `${SECRET}AA`, SECRET.replace(/.$/, "+")]) {
        await expect(
          signRequest({ secret, machineId: MACHINE_ID, method: "GET", url: PATH }),
        ).rejects.toBeInstanceOf(AppError);
        await expect(verifyFixture(KAT_TOKEN, { secret })).rejects.toBeInstanceOf(AppError);
      }
    });
  });

  describe("request targets", () => {
    it("are path plus query exactly as sent, without fragment or origin", () => {
      expect(requestTarget("http://m:3000/agents/s1?offset=-1")).toBe("/agents/s1?offset=-1");
      expect(requestTarget("/agents/s1?offset=-1#frag")).toBe("/agents/s1?offset=-1");
      expect(requestTarget(new URL("https://x.example/a%20b?q=%2F"))).toBe("/a%20b?q=%2F");
      expect(requestTarget("https://x.example")).toBe("/");
      expect(requestTarget("/a?b=1&a=2")).toBe("/a?b=1&a=2");
    });

    it("read the token out of an Authorization header", () => {
      expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
      expect(bearerToken("bearer  abc")).toBe("abc");
      for (const bad of [null, undefined, "", "Bearer", "Basic abc", "Bearer a b"])
        expect(bearerToken(bad)).toBeNull();
    });
  });
}
