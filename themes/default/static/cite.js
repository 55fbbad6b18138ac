// Copy and download buttons for a paper's BibTeX. Without JavaScript the
// entry is still on the page to select and copy (and every theme's
// papers.bib holds it), so the buttons are made here, only when they can
// work, and no page carries markup it may not show (README, "Output
// size"). The download is made from the text on the page, named after the
// entry's key: one .bib file per paper would double the files of a big
// digest.
(() => {
  "use strict";
  const canCopy = !!navigator.clipboard;
  const canSave = !!(window.URL && URL.createObjectURL);
  if (!canCopy && !canSave) return;
  for (const source of document.querySelectorAll("pre.bibtex")) {
    const text = () => source.textContent;
    const key = (/^\s*@\w+\{([^,\s]+),/.exec(text()) || [])[1] || "cite";
    const actions = document.createElement("p");
    actions.className = "cite-actions";
    const status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    const button = (label, onClick) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", onClick);
      actions.append(b, " ");
    };
    if (canCopy) {
      button("Copy BibTeX", async () => {
        try {
          await navigator.clipboard.writeText(text());
          status.textContent = "Copied to the clipboard.";
        } catch {
          status.textContent = "Could not copy; select the text instead.";
        }
      });
    }
    if (canSave) {
      button(`Download ${key}.bib`, () => {
        const blob = new Blob([text()], { type: "application/x-bibtex" });
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = `${key}.bib`;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      });
    }
    actions.append(status);
    source.after(actions);
  }
})();
