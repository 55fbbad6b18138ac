// sheaf serve: live reload. Added to pages by the preview server only.
(() => {
  "use strict";
  const OVERLAY = "sheaf-build-error";

  function showError(text) {
    let box = document.getElementById(OVERLAY);
    if (!box) {
      box = document.createElement("div");
      box.id = OVERLAY;
      box.setAttribute("role", "alert");
      box.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(20,20,20,.94);color:#fff;font:14px/1.5 ui-monospace,monospace;";
      const title = document.createElement("p");
      title.textContent = "sheaf: the site does not build. Fix the error below; this page reloads by itself. (Behind this box: the last good build.)";
      title.style.cssText = "font-weight:bold;color:#ff8a80;margin:0 0 1rem;max-width:none";
      const pre = document.createElement("pre");
      // Inline styles win over the site's own rules for <pre>.
      pre.style.cssText =
        "white-space:pre-wrap;margin:0;padding:0;border:0;background:transparent;" +
        "color:#fff;font:inherit;max-width:none";
      box.append(title, pre);
      document.body.append(box);
    }
    // textContent: the message may quote hostile file content.
    box.querySelector("pre").textContent = text;
  }

  function swapStylesheets(paths) {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (paths.includes(url.pathname)) {
        url.searchParams.set("sheaf-reload", Date.now().toString());
        link.href = url.href;
      }
    }
  }

  const events = new EventSource("/__sheaf/events");
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("css", (e) => swapStylesheets(e.data.split("\n")));
  events.addEventListener("build-error", (e) => showError(e.data));
})();
