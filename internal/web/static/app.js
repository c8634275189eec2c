// Evident's only script. Every page works without it, except passkeys,
// which the browser offers to script only. On top of plain HTML it adds
// live countdowns for deadlines, drag-and-drop onto the upload form's file
// input, a Menu button that folds the navigation on narrow screens,
// column labels so tables read as cards on a phone, and the passkey
// ceremonies.
"use strict";

// Countdowns: <time class="countdown" datetime="RFC 3339"> shows the time
// left (or how late) and updates every second.
function span(ms) {
  const late = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const pad = (n) => String(n).padStart(2, "0");
  const text = d > 0 ? `${d}d ${h}h ${pad(m)}m` : `${h}h ${pad(m)}m ${pad(s)}s`;
  return late ? `${text} late` : `${text} left`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("time.countdown")) {
    const due = Date.parse(el.getAttribute("datetime"));
    if (Number.isNaN(due)) continue;
    const left = due - now;
    el.textContent = span(left);
    el.classList.toggle("late", left < 0);
  }
}

// Drag and drop: a .dropzone wraps a file input; files dropped on it
// become the input's files, so the plain multipart form still submits them.
function dropzones() {
  for (const zone of document.querySelectorAll(".dropzone")) {
    const input = zone.querySelector("input[type=file]");
    const list = zone.querySelector(".files");
    if (!input) continue;
    const show = () => {
      if (!list) return;
      list.textContent = "";
      for (const f of input.files) {
        const li = document.createElement("li");
        li.textContent = `${f.name} (${f.size} bytes)`;
        list.appendChild(li);
      }
    };
    input.addEventListener("change", show);
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
      }
    });
  }
}

// Passkeys: WebAuthn speaks ArrayBuffers, the server base64url JSON.
function b64url(buf) {
  let s = "";
  for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

async function post(url, csrf, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  const data = await res.json().catch(() => ({ error: `the server answered ${res.status}` }));
  if (!res.ok) throw new Error(data.error || `the server answered ${res.status}`);
  return data;
}

// credentialJSON is the device's answer as the server reads it.
function credentialJSON(c) {
  const r = c.response;
  const out = { id: c.id, rawId: b64url(c.rawId), type: c.type, response: {
    clientDataJSON: b64url(r.clientDataJSON) } };
  if (r.attestationObject) {
    out.response.attestationObject = b64url(r.attestationObject);
    if (r.getTransports) out.response.transports = r.getTransports();
  } else {
    out.response.authenticatorData = b64url(r.authenticatorData);
    out.response.signature = b64url(r.signature);
    if (r.userHandle) out.response.userHandle = b64url(r.userHandle);
  }
  out.clientExtensionResults = c.getClientExtensionResults ? c.getClientExtensionResults() : {};
  return out;
}

function passkeyForm(form, ceremony) {
  const error = form.querySelector(".error");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (error) error.hidden = true;
    const csrf = form.querySelector("input[name=csrf_token]").value;
    try {
      if (!window.PublicKeyCredential) throw new Error("this browser does not support passkeys");
      const options = await post(form.dataset.options, csrf);
      const pk = options.publicKey;
      pk.challenge = unb64url(pk.challenge);
      let cred;
      if (ceremony === "create") {
        pk.user.id = unb64url(pk.user.id);
        for (const x of pk.excludeCredentials || []) x.id = unb64url(x.id);
        cred = await navigator.credentials.create({ publicKey: pk });
      } else {
        for (const x of pk.allowCredentials || []) x.id = unb64url(x.id);
        cred = await navigator.credentials.get({ publicKey: pk, mediation: options.mediation || "optional" });
      }
      const body = { credential: credentialJSON(cred) };
      const label = form.querySelector("input[name=label]");
      if (label) body.label = label.value;
      const next = form.querySelector("input[name=next]");
      if (next) body.next = next.value;
      const done = await post(form.dataset.action, csrf, body);
      window.location.assign(done.next || "/");
    } catch (err) {
      if (error) {
        error.textContent = err.name === "NotAllowedError" ? "The passkey was cancelled or timed out." : err.message;
        error.hidden = false;
      }
    }
  });
}

// Menu: on a narrow screen the stylesheet hides the navigation of a header
// marked "js" until the button opens it.
function menu() {
  const header = document.querySelector("header.top");
  const button = header && header.querySelector("button.menu");
  if (!button) return;
  header.classList.add("js");
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = header.classList.toggle("open");
    button.setAttribute("aria-expanded", String(open));
  });
}

// Cards: every cell of a table in the page gets its column's header as
// data-label, which the stylesheet shows above the cell on a phone.
function cards() {
  for (const table of document.querySelectorAll("main table")) {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!heads.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => {
        if (heads[i] && cell.colSpan === 1) cell.dataset.label = heads[i];
      });
    }
    table.classList.add("cards");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  menu();
  cards();
  dropzones();
  const add = document.getElementById("passkey-add");
  if (add) passkeyForm(add, "create");
  const login = document.getElementById("passkey-login");
  if (login) passkeyForm(login, "get");
  if (document.querySelector("time.countdown")) {
    tick();
    setInterval(tick, 1000);
  }
});
