// Copy and download buttons for a paper's BibTeX. Without JavaScript the
// entry is still on the page to select and copy (and every theme's
// papers.bib holds it), so the buttons only appear when they can work.
// The download is made here from the text on the page: one .bib file per
// paper would double the files of a big digest.
(() => {
  "use strict";
  for (const actions of document.querySelectorAll(".cite-actions")) {
    const status = actions.querySelector(".copy-status");
    const say = (text) => {
      if (status) status.textContent = text;
    };
    let shown = false;
    for (const button of actions.querySelectorAll("button[data-copy]")) {
      const source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) {
        button.hidden = true;
        continue;
      }
      shown = true;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(source.textContent);
          say("Copied to the clipboard.");
        } catch {
          say("Could not copy; select the text instead.");
        }
      });
    }
    for (const button of actions.querySelectorAll("button[data-download]")) {
      const source = document.getElementById(button.dataset.download);
      if (!source || !window.URL || !URL.createObjectURL) {
        button.hidden = true;
        continue;
      }
      shown = true;
      button.addEventListener("click", () => {
        const blob = new Blob([source.textContent], { type: "application/x-bibtex" });
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = button.dataset.name || "cite.bib";
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      });
    }
    actions.hidden = !shown;
  }
})();
