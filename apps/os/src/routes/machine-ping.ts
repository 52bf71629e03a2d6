/**
 * `POST /api/machine/ping` — the daemon's "here I am, and here is the secret you can sign your
 * requests to me with" (ARCHITECTURE "The handshake" step 3). `Authorization: Bearer <machine
 * token>`; the token must be the machine's named in the body, and the machine live.
 *
 * - first ping: the secret is stored encrypted (AAD = machine id) and the machine's workflow
 *   gets the `daemon-ping` event. Accepted while still `creating`: Daytona starts the daemon
 *   before its create call returns.
 * - the same secret again (a restarted daemon keeps its secret): 200; a `ready` machine stays ready.
 * - a different secret once one is stored: 409, recorded for the Machines page — only something
 *   else holding the token would send one.
 */
import { AppError, pingRequestSchema, timingSafeEqual, utf8 } from "@iterate/contract";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findMachine, isLive, LIVE_STATUSES, updateLiveMachine } from "../db/machines.ts";
import { machines } from "../db/schema.ts";
import { readJson } from "../http/read-input.ts";
import { keyringFromEnv } from "../keyring.ts";
import { daemonSecretAad } from "../machines/fetch-for-instance.ts";
import { DAEMON_PING_EVENT } from "../machines/machine-workflow.ts";
import { MACHINE_UNAUTHORIZED, machineAuth } from "../middleware/machine-auth.ts";

/**
 * Mounted at `/api/machine`. `machineAuth()` has already refused anything but a live machine's
 * live token (401), in one query; what is left is that the token is the machine's the body names.
 */
export const machinePingRoutes = new Hono<AppEnv>().post("/ping", machineAuth(), async (c) => {
  const db = createDb(c.env.DB);
  const ping = await readJson(c, pingRequestSchema, 4096);
  const machine = c.var.machine;
  // One answer for "not yours", "gone" and "no such machine": the token learns nothing.
  if (ping.machineId !== machine.id) throw new AppError("unauthorized", MACHINE_UNAUTHORIZED);

  const keyring = await keyringFromEnv(c.env);
  const now = new Date();
  const sealed = await keyring.encrypt(ping.secret, daemonSecretAad(machine.id));
  // Stored only if none is stored yet, in one statement: two racing first pings cannot both win.
  const [stored] = await db
    .update(machines)
    .set({
      daemonSecretEncrypted: sealed,
      daemonVersion: ping.version,
      lastPingAt: now,
      updatedAt: now,
    })
    .where(
      and(
        eq(machines.id, machine.id),
        isNull(machines.daemonSecretEncrypted),
        // Archived or failed since machineAuth read it: nothing of it is stored any more.
        inArray(machines.status, [...LIVE_STATUSES]),
      ),
    )
    .returning({ id: machines.id });

  if (!stored) {
    // Stored before our read, or by a ping racing ours since (then our row has none yet), or
    // the machine stopped being live in between (then the token is as good as revoked).
    const row = machine.daemonSecretEncrypted ? machine : await findMachine(db, machine.id);
    if (!row || !isLive(row)) throw new AppError("unauthorized", MACHINE_UNAUTHORIZED);
    const current = row.daemonSecretEncrypted;
    const known = current ? await keyring.decrypt(current, daemonSecretAad(machine.id)) : "";
    if (!timingSafeEqual(utf8(known), utf8(ping.secret))) {
      await updateLiveMachine(db, machine.id, { pingConflictAt: now });
      throw new AppError(
        "conflict",
        "This machine already reported a different secret; a restarted daemon keeps its secret.",
      );
    }
    await updateLiveMachine(db, machine.id, { daemonVersion: ping.version, lastPingAt: now });
  }
  if (machine.status === "creating" || machine.status === "starting") {
    // Sent again on a repeated ping while the workflow may still wait: events are buffered and
    // it waits for one only, so a spare event is harmless, while a lost one fails the machine.
    const workflow = await c.env.MACHINE_WORKFLOW.get(machine.workflowInstanceId ?? machine.id);
    await workflow.sendEvent({ type: DAEMON_PING_EVENT, payload: { version: ping.version } });
  }
  return c.json({ ok: true, machineId: machine.id, status: machine.status });
});
