// The steward's offline pass verifier (GET /gate). No network is needed to
// check a pass: the page keeps the public pass key and the signed revocation
// list it synced last (localStorage), verifies Ed25519 signatures with
// WebCrypto, and says valid, wrong zone, expired, not yet valid, revoked or
// forged. Formats: crates/pass (CP1 passes, CR1 lists, the gate bundle).
// The first key synced is pinned: a bundle with another key is refused.
"use strict";
(function () {
  const STORE = "cortina.gate.bundle";
  const PIN = "cortina.gate.key";
  const PLACE = "cortina.gate.place";
  const PASS_CTX = new TextEncoder().encode("cortina-pass-v1\0");
  const LIST_CTX = new TextEncoder().encode("cortina-revocations-v1\0");
  const STALE_SECS = 6 * 3600;
  const $ = (id) => document.getElementById(id);
  let gate = null; // {key, keyId, revoked: Set, asOf}

  function b64url(s) {
    if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error("not base64url");
    let t = s.replace(/-/g, "+").replace(/_/g, "/");
    while (t.length % 4) t += "=";
    const bin = atob(t);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  async function keyIdOf(raw) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
    return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // Opens PREFIX<body>.<sig>: the body bytes if the key signed them.
  async function open(key, encoded, prefix, ctx) {
    const text = encoded.trim();
    if (!text.startsWith(prefix)) throw new Error("does not start with " + prefix);
    const parts = text.slice(prefix.length).split(".");
    if (parts.length !== 2) throw new Error("not <payload>.<signature>");
    const body = b64url(parts[0]);
    const sig = b64url(parts[1]);
    if (sig.length !== 64) throw new Error("signature is not 64 bytes");
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, sig, concat(ctx, body));
    if (!ok) throw new Error("signature does not verify with the pass key");
    return body;
  }

  async function load(bundle) {
    if (!bundle || bundle.format !== "cortina-gate-bundle/1") throw new Error("not a gate bundle");
    const raw = b64url(bundle.public_key);
    if (raw.length !== 32) throw new Error("public key is not 32 bytes");
    const keyId = await keyIdOf(raw);
    if (keyId !== bundle.key_id) throw new Error("key id does not match the key");
    const pinned = localStorage.getItem(PIN);
    if (pinned && pinned !== keyId) {
      throw new Error("the server's pass key " + keyId + " is not the key this gate trusts (" + pinned + ")");
    }
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    const list = JSON.parse(new TextDecoder().decode(await open(key, bundle.revocations, "CR1.", LIST_CTX)));
    if (list.k !== keyId) throw new Error("the revocation list names another key");
    return { key, keyId, revoked: new Set(list.revoked), asOf: list.as_of };
  }

  function hhmm(secs) {
    const d = new Date(secs * 1000);
    const p = (n) => String(n).padStart(2, "0");
    return p(d.getHours()) + ":" + p(d.getMinutes()) + " (" + d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + ")";
  }

  function showSync(extra) {
    const el = $("sync-status");
    if (!gate) {
      el.textContent = extra || "Not synced yet: sync once while online.";
      return;
    }
    let text = "Revocations as of " + hhmm(gate.asOf) + " · " + gate.revoked.size + " revoked · key " + gate.keyId;
    if (Date.now() / 1000 - gate.asOf > STALE_SECS) text += " · older than 6 h: sync when you can";
    el.textContent = extra ? extra + " " + text : text;
  }

  async function sync() {
    let bundle;
    try {
      const r = await fetch("/api/v1/gate/bundle", { cache: "no-store" });
      if (!r.ok) throw new Error("HTTP " + r.status);
      bundle = await r.json();
    } catch (e) {
      showSync("Sync failed (" + e.message + "): keeping the last list.");
      return;
    }
    try {
      const next = await load(bundle);
      if (gate && next.asOf < gate.asOf) throw new Error("the list is older than the one kept");
      gate = next;
      localStorage.setItem(PIN, next.keyId);
      localStorage.setItem(STORE, JSON.stringify(bundle));
      showSync("Synced.");
    } catch (e) {
      showSync("Sync refused (" + e.message + "): keeping the last list.");
    }
  }

  const NAMES = {
    valid: "VALID for this zone",
    wrong_zone: "WRONG ZONE",
    expired: "EXPIRED",
    not_yet_valid: "NOT YET VALID",
    revoked: "REVOKED",
    forged: "FORGED — not a genuine pass",
  };

  function admits(claims, venue, zone) {
    const eq = (a, b) => String(a).trim().toLowerCase() === String(b).trim().toLowerCase();
    return (claims.a || []).some((p) => eq(p[0], venue) && eq(p[1], zone));
  }

  async function verdictOf(text, venue, zone, now) {
    let claims;
    try {
      if (text.length > 4096) throw new Error("longer than 4096 characters");
      const body = await open(gate.key, text, "CP1.", PASS_CTX);
      claims = JSON.parse(new TextDecoder().decode(body));
      if (claims.v !== 1) throw new Error("not a version-1 pass");
      if (claims.k !== gate.keyId) throw new Error("names another key");
    } catch (e) {
      return { verdict: "forged", reason: e.message };
    }
    if (gate.revoked.has(claims.id)) return { verdict: "revoked", claims };
    if (now >= claims.u) return { verdict: "expired", claims };
    if (now < claims.f) return { verdict: "not_yet_valid", claims };
    if (!admits(claims, venue, zone)) return { verdict: "wrong_zone", claims };
    return { verdict: "valid", claims };
  }

  function day(secs) {
    return new Date(secs * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  async function check(text) {
    const result = $("result");
    result.hidden = false;
    if (!gate) {
      result.className = "verdict verdict-forged";
      $("verdict").textContent = "NO KEY: sync this gate first";
      $("reason").textContent = "";
      $("holder").hidden = true;
      $("compare").hidden = true;
      return;
    }
    const venue = $("venue").value;
    const zone = $("zone").value;
    const r = await verdictOf(text, venue, zone, Math.floor(Date.now() / 1000));
    result.className = "verdict verdict-" + r.verdict;
    result.dataset.verdict = r.verdict;
    $("verdict").textContent = NAMES[r.verdict];
    $("reason").textContent = r.reason || (r.verdict === "wrong_zone" ? "Not for " + venue + " zone " + zone + "." : "");
    const c = r.claims;
    $("holder").hidden = !c;
    $("compare").hidden = !c;
    if (c) {
      $("name").textContent = c.n;
      $("doc").textContent = "…" + c.d;
      $("category").textContent = c.c;
      $("access").textContent = (c.a || []).map((p) => p[0] + " zone " + p[1]).join(", ") || "none";
      $("validity").textContent = day(c.f) + " – " + day(c.u);
      $("pass-id").textContent = c.id;
    }
  }

  async function camera() {
    const video = $("video");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      showSync("Camera unavailable (" + e.message + ").");
      return;
    }
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const stop = () => {
      stream.getTracks().forEach((t) => t.stop());
      video.hidden = true;
    };
    const tick = async () => {
      try {
        const codes = await detector.detect(video);
        if (codes.length) {
          stop();
          $("payload").value = codes[0].rawValue;
          await check(codes[0].rawValue);
          return;
        }
      } catch (e) {
        stop();
        return;
      }
      setTimeout(tick, 200);
    };
    tick();
  }

  async function start() {
    if (!window.crypto || !crypto.subtle) {
      showSync("This browser cannot verify signatures here (no WebCrypto: use https or localhost).");
      return;
    }
    const place = JSON.parse(localStorage.getItem(PLACE) || "{}");
    $("venue").value = place.venue || "";
    $("zone").value = place.zone || "";
    const savePlace = () => localStorage.setItem(PLACE, JSON.stringify({ venue: $("venue").value, zone: $("zone").value }));
    $("venue").addEventListener("change", savePlace);
    $("zone").addEventListener("change", savePlace);
    const kept = localStorage.getItem(STORE);
    if (kept) {
      try {
        gate = await load(JSON.parse(kept));
      } catch (e) {
        gate = null;
        showSync("The kept list does not verify (" + e.message + "): sync again.");
      }
    }
    showSync();
    $("sync").addEventListener("click", sync);
    $("scan").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const input = $("payload");
      const text = input.value;
      input.value = "";
      check(text).finally(() => input.focus());
    });
    if ("BarcodeDetector" in window && navigator.mediaDevices) {
      $("camera").hidden = false;
      $("camera").addEventListener("click", camera);
    }
    document.body.dataset.ready = "1";
    if (!kept && navigator.onLine !== false) sync();
  }

  start();
})();
