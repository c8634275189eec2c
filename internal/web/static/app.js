// Evident's only script. Every page works without it; it adds on top of
// plain HTML: live countdowns for deadlines, drag-and-drop onto the upload
// form's file input, a Menu button that folds the navigation on narrow
// screens, and column labels so tables read as cards on a phone.
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
  if (document.querySelector("time.countdown")) {
    tick();
    setInterval(tick, 1000);
  }
});
