// Progressive enhancement only: every control works without this file.
document.addEventListener("DOMContentLoaded", () => {
  const sort = document.querySelector("form.sort select");
  if (sort) {
    sort.form.querySelector("button").hidden = true;
    sort.addEventListener("change", () => sort.form.submit());
  }
});
