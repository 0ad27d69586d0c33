/* Terang RKA entry: keyboard flow, search as you type, Indonesian number formatting, a live total preview and
 * autosave when focus leaves an edited row. It sits on top of plain forms that POST without JavaScript; htmx
 * (loaded by the base template) sends the rows and swaps what the server answers. The server total is the
 * authoritative one: the preview here only helps while typing.
 */
(function () {
  "use strict";

  var NUM = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 4 });
  var RP = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 2 });
  var SEARCH_DELAY = 150;

  // --- numbers ------------------------------------------------------------------------------------------------

  /* Same rule as terang.core.money.to_decimal: "1.250.000" and "1.250" use dots as thousands separators,
   * "2,5" uses a decimal comma, "2.5" is two and a half. */
  function parseNum(text) {
    var t = String(text == null ? "" : text).replace(/Rp|\s|\u00a0/g, "");
    if (!t) return null;
    if (t.indexOf(",") >= 0) {
      t = t.replace(/\./g, "").replace(",", ".");
    } else {
      var parts = t.split(".");
      if (parts.length > 2 || (parts.length === 2 && parts[1].length === 3)) t = t.replace(/\./g, "");
    }
    if (!/^\d+(\.\d+)?$/.test(t)) return null;
    var n = Number(t);
    return isFinite(n) ? n : null;
  }

  function formatInput(el) {
    var n = parseNum(el.value);
    if (n !== null) el.value = NUM.format(n);
  }

  function rupiah(n) {
    return "Rp " + RP.format(n);
  }

  function round2(n) {
    return Math.round(n * 100) / 100;
  }

  function preview(form) {
    var out = form.querySelector("[data-preview]");
    if (!out) return;
    var harga = parseNum(valueOf(form, "harga_satuan"));
    var type = form.dataset.type || "item";
    if (harga === null) {
      out.textContent = "";
      return;
    }
    var total;
    if (type === "belum_dirinci") {
      total = harga;
    } else {
      var volume = null;
      for (var i = 1; i <= 4; i++) {
        var raw = valueOf(form, "vol" + i);
        if (raw === null || String(raw).trim() === "") continue;
        var v = parseNum(raw);
        if (v === null) {
          out.textContent = "";
          return;
        }
        volume = volume === null ? v : volume * v;
      }
      if (volume === null) volume = form.dataset.plain ? 1 : null;
      if (volume === null) {
        out.textContent = "";
        return;
      }
      var subtotal = round2(volume * harga);
      var ppn = form.querySelector("[name=ppn]");
      var rate = Number(form.dataset.ppnRate || 0);
      total = subtotal + (ppn && ppn.checked ? round2(subtotal * rate) : 0);
      var max = Number(form.dataset.maxPrice || "NaN");
      var hargaInput = form.querySelector("[name=harga_satuan]");
      if (hargaInput) hargaInput.classList.toggle("rka-over-price", isFinite(max) && harga > max);
    }
    out.textContent = "≈ " + rupiah(total);
    out.title = out.dataset.title || "";
  }

  function valueOf(form, name) {
    var el = form.querySelector("[name=" + name + "]");
    return el ? el.value : null;
  }

  // --- navigation ---------------------------------------------------------------------------------------------

  function rowForm(el) {
    return el && el.closest ? el.closest("form.rka-form") : null;
  }

  function navFields(form) {
    return Array.prototype.filter.call(form.querySelectorAll("[data-nav]"), function (el) {
      return !el.disabled && el.offsetParent !== null;
    });
  }

  function focusField(el) {
    if (!el) return;
    el.focus();
    if (el.select && el.type !== "checkbox") el.select();
  }

  function focusNext(form, el) {
    var fields = navFields(form);
    var i = fields.indexOf(el);
    if (i >= 0 && i < fields.length - 1) focusField(fields[i + 1]);
  }

  function submitRow(form, viaEnter) {
    closeSuggest(form);
    Array.prototype.forEach.call(form.querySelectorAll("[data-num]"), formatInput);
    if (form.classList.contains("htmx-request")) return;
    form.dataset.enter = viaEnter ? "1" : "";
    var button = form.querySelector("[data-role=save]") || form.querySelector("button[type=submit]");
    if (form.requestSubmit) form.requestSubmit(button || undefined);
    else form.submit();
  }

  function cancelRow(form) {
    if (form.dataset.mode === "edit") {
      var cancel = form.querySelector("[data-role=cancel]");
      form.dataset.dirty = "";
      if (cancel) cancel.click();
      return;
    }
    // entry row: forget what was typed for this line, keep account / group / note for the next one
    ["komponen", "price_item", "uraian", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4",
      "harga_satuan"].forEach(function (name) {
      var el = form.querySelector("[name=" + name + "]");
      if (el) el.value = "";
    });
    var ppn = form.querySelector("[name=ppn]");
    if (ppn) ppn.checked = false;
    form.dataset.dirty = "";
    preview(form);
    focusField(form.querySelector("[name=komponen]") || form.querySelector("[name=account]"));
  }

  // --- suggestions --------------------------------------------------------------------------------------------

  var timers = new WeakMap();
  var aborts = new WeakMap();

  function boxOf(input) {
    return input.parentElement.querySelector(".rka-suggest");
  }

  function closeSuggest(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".rka-suggest"), function (box) {
      box.hidden = true;
      var input = box.parentElement.querySelector("[data-search]");
      if (input) {
        input.setAttribute("aria-expanded", "false");
        input.removeAttribute("aria-activedescendant");
      }
    });
  }

  function options(box) {
    return Array.prototype.slice.call(box.querySelectorAll(".rka-option"));
  }

  function activeOption(box) {
    return box.querySelector(".rka-option[aria-selected=true]");
  }

  function highlight(input, box, index) {
    var opts = options(box);
    opts.forEach(function (o) {
      o.setAttribute("aria-selected", "false");
    });
    if (!opts.length) return;
    var i = Math.max(0, Math.min(index, opts.length - 1));
    opts[i].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", opts[i].id);
    opts[i].scrollIntoView({ block: "nearest" });
  }

  function search(input) {
    var form = rowForm(input);
    var box = boxOf(input);
    if (!form || !box) return;
    var isAccount = input.dataset.search === "account";
    var params;
    var url;
    if (isAccount) {
      url = form.dataset.accountUrl;
      params = new URLSearchParams({ fy: form.dataset.fy || "", q: input.value.trim(), akun: form.dataset.akun || "5" });
    } else {
      var rekening = (valueOf(form, "account") || "").trim();
      if (!rekening) {
        showOptions(input, box, '<div class="rka-option-empty text-secondary small px-2 py-1"></div>');
        box.firstChild.textContent = form.dataset.needAccount || "";
        return;
      }
      // the catalogue's own search (budgeting:catalogue_search), limited to items allowing the account
      url = form.dataset.itemUrl;
      params = new URLSearchParams({ tahun: form.dataset.tahun || "", pemda: form.dataset.pemda || "",
        rekening: rekening, q: input.value.trim() });
    }
    if (!url) return;
    var previous = aborts.get(input);
    if (previous) previous.abort();
    var controller = new AbortController();
    aborts.set(input, controller);
    fetch(url + "?" + params.toString(), {
      headers: { "HX-Request": "true", Accept: isAccount ? "text/html" : "application/json" },
      credentials: "same-origin",
      signal: controller.signal,
    })
      .then(function (r) {
        if (!r.ok) return isAccount ? "" : { results: [] };
        return isAccount ? r.text() : r.json();
      })
      .then(function (data) {
        if (document.activeElement !== input) return;
        if (isAccount) showOptions(input, box, data);
        else showItems(input, box, data.results || [], form);
      })
      .catch(function () {});
  }

  function showOptions(input, box, html) {
    box.innerHTML = html;
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(input, box, 0);
  }

  function showItems(input, box, results, form) {
    box.textContent = "";
    if (!results.length) {
      var empty = document.createElement("div");
      empty.className = "rka-option-empty text-secondary small px-2 py-1";
      empty.textContent = form.dataset.noItems || "";
      box.appendChild(empty);
    }
    results.forEach(function (item) {
      var harga = NUM.format(Number(item.harga));
      var option = document.createElement("div");
      option.className = "rka-option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.id = input.id + "-opt-" + item.id;
      option.dataset.value = item.id;
      option.dataset.label = item.kode + " " + item.nama;
      option.dataset.nama = item.nama;
      option.dataset.harga = harga;
      option.dataset.satuan = item.satuan;
      var name = document.createElement("span");
      name.className = "fw-bold";
      name.textContent = item.nama;
      option.appendChild(name);
      if (item.spesifikasi) {
        var spec = document.createElement("span");
        spec.className = "text-secondary";
        spec.textContent = " " + item.spesifikasi.slice(0, 60);
        option.appendChild(spec);
      }
      var meta = document.createElement("small");
      meta.className = "d-block";
      meta.textContent = item.kode + " · " + item.satuan + " · Rp " + harga;
      option.appendChild(meta);
      box.appendChild(option);
    });
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(input, box, 0);
  }

  function scheduleSearch(input) {
    clearTimeout(timers.get(input));
    timers.set(
      input,
      setTimeout(function () {
        search(input);
      }, SEARCH_DELAY)
    );
  }

  function pick(input, option) {
    var form = rowForm(input);
    if (!form || !option) return;
    if (input.dataset.search === "account") {
      var before = input.value.trim();
      input.value = option.dataset.value;
      showHint(input, option.dataset.label);
      if (before !== option.dataset.value) clearItem(form);
    } else {
      form.querySelector("[name=price_item]").value = option.dataset.value;
      input.value = option.dataset.label;
      var uraian = form.querySelector("[name=uraian]");
      if (uraian) uraian.placeholder = option.dataset.nama || "";
      var harga = form.querySelector("[name=harga_satuan]");
      if (harga && (!harga.value || harga.dataset.auto === "1")) {
        harga.value = option.dataset.harga || "";
        harga.dataset.auto = "1";
      }
      form.dataset.maxPrice = String(parseNum(option.dataset.harga) || "");
      showHint(input, (option.dataset.satuan || "") + " · maks. Rp " + (option.dataset.harga || ""));
    }
    form.dataset.dirty = "1";
    closeSuggest(form);
    preview(form);
    focusNext(form, input);
  }

  function clearItem(form) {
    var item = form.querySelector("[name=price_item]");
    var komponen = form.querySelector("[name=komponen]");
    if (item && item.value) {
      item.value = "";
      if (komponen) komponen.value = "";
    }
  }

  function showHint(input, text) {
    var hint = input.parentElement.querySelector(".rka-hint");
    if (!hint) {
      hint = document.createElement("div");
      hint.className = "rka-hint small text-secondary";
      input.parentElement.appendChild(hint);
    }
    hint.textContent = text || "";
  }

  // --- events -------------------------------------------------------------------------------------------------

  document.addEventListener("keydown", function (e) {
    var form = rowForm(e.target);
    if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
      var target = form || document.getElementById("rka-entry");
      if (target) {
        e.preventDefault();
        submitRow(target, false);
      }
      return;
    }
    if (!form) return;
    var el = e.target;
    var box = el.dataset && el.dataset.search ? boxOf(el) : null;
    var open = box && !box.hidden;
    if (open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      var opts = options(box);
      var current = opts.indexOf(activeOption(box));
      highlight(el, box, current + (e.key === "ArrowDown" ? 1 : -1));
      return;
    }
    if (!open && box && e.key === "ArrowDown") {
      e.preventDefault();
      search(el);
      return;
    }
    if (e.key === "Escape") {
      e.preventDefault();
      if (open) closeSuggest(form);
      else cancelRow(form);
      return;
    }
    if (e.key === "Tab" && open && activeOption(box) && el.value.trim()) {
      // Tab takes the highlighted suggestion, like Enter, then moves on
      e.preventDefault();
      pick(el, activeOption(box));
      return;
    }
    if (e.key !== "Enter" || e.isComposing) return;
    if (el.tagName === "BUTTON" || el.tagName === "A" || el.tagName === "TEXTAREA") return;
    e.preventDefault();
    if (open && activeOption(box)) {
      pick(el, activeOption(box));
      return;
    }
    closeSuggest(form);
    if (el.hasAttribute("data-num")) formatInput(el);
    if (el.hasAttribute("data-last")) {
      submitRow(form, true);
      return;
    }
    var vol = el.dataset ? el.dataset.vol : null;
    if (vol && vol !== "1" && !el.value.trim()) {
      // no more volume factors: jump to the price
      focusField(form.querySelector("[name=harga_satuan]"));
      return;
    }
    focusNext(form, el);
  });

  document.addEventListener("input", function (e) {
    var el = e.target;
    var form = rowForm(el);
    if (form) {
      form.dataset.dirty = "1";
      if (el.name === "harga_satuan") el.dataset.auto = "";
      if (el.name === "komponen") {
        var item = form.querySelector("[name=price_item]");
        if (item) item.value = "";
      }
      if (el.dataset.search) scheduleSearch(el);
      preview(form);
      return;
    }
    if (el.matches && el.matches("[data-role=lokasi-filter]")) filterLokasi(el);
  });

  document.addEventListener("change", function (e) {
    var el = e.target;
    var form = rowForm(el);
    if (form) {
      form.dataset.dirty = "1";
      if (el.dataset.role === "line-type") form.dataset.type = el.value;
      preview(form);
      return;
    }
    if (el.matches && el.matches("[data-role=subkeg]")) prefillSubKegiatan(el);
  });

  document.addEventListener("focusin", function (e) {
    var el = e.target;
    if (el.dataset && el.dataset.search && rowForm(el) && !el.value.trim()) scheduleSearch(el);
  });

  document.addEventListener("mousedown", function (e) {
    var option = e.target.closest ? e.target.closest(".rka-option") : null;
    if (!option) return;
    e.preventDefault(); // keep focus in the input
    var input = option.closest(".rka-f").querySelector("[data-search]");
    pick(input, option);
  });

  document.addEventListener("focusout", function (e) {
    var el = e.target;
    var form = rowForm(el);
    if (!form) return;
    if (el.hasAttribute && el.hasAttribute("data-num")) formatInput(el);
    setTimeout(function () {
      if (!form.isConnected || form.contains(document.activeElement)) return;
      closeSuggest(form);
      // autosave an edited line when focus leaves it (never the entry row, never over a conflict)
      if (form.dataset.mode === "edit" && !form.dataset.plain && form.dataset.dirty === "1" &&
          !form.classList.contains("has-conflict")) {
        submitRow(form, false);
      }
    }, 120);
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });

  window.addEventListener("beforeunload", function (e) {
    var dirty = document.querySelector("form.rka-form[data-dirty='1']");
    if (dirty && !dirty.classList.contains("htmx-request")) {
      e.preventDefault();
      e.returnValue = "";
    }
  });

  // --- after the server answered --------------------------------------------------------------------------------

  // Never move focus under the user's hands: only when they have not clicked or typed since the request left.
  var lastInteraction = 0;
  var requestAt = 0;
  ["pointerdown", "keydown"].forEach(function (type) {
    document.addEventListener(type, function () {
      lastInteraction = Date.now();
    }, true);
  });

  function mayFocus() {
    return lastInteraction <= requestAt;
  }

  document.addEventListener("htmx:beforeRequest", function (e) {
    requestAt = Date.now();
    var form = e.detail.elt;
    var target = e.detail.target;
    document.body.dataset.rkaTarget = target && target.id ? target.id : "";
    if (form && form.classList && form.classList.contains("rka-form")) {
      document.body.dataset.rkaLast = form.id;
      document.body.dataset.rkaEnter = form.dataset.enter || "";
    }
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var xhr = e.detail.xhr;
    var outcome = xhr ? xhr.getResponseHeader("X-Terang-Outcome") : null;
    if (!outcome) return;
    var last = document.body.dataset.rkaLast || "";
    var viaEnter = document.body.dataset.rkaEnter === "1";
    var entry = document.getElementById("rka-entry");
    if (!mayFocus()) {
      document.body.dataset.rkaEnter = "";
      return;
    }
    if (outcome === "created" && entry) {
      entry.dataset.dirty = "";
      var next = entry.querySelector("[name=account]").value ? "komponen" : "account";
      focusField(entry.querySelector("[name=" + next + "]"));
    } else if (outcome === "invalid" || outcome === "conflict") {
      var form = document.getElementById(last);
      if (form) {
        form.dataset.dirty = "1";
        var bad = form.querySelector(".is-invalid") || form.querySelector("[data-role=overwrite]");
        preview(form);
        focusField(bad || form.querySelector("[data-nav]"));
      }
    } else if (outcome === "edit") {
      var edited = document.getElementById(document.body.dataset.rkaTarget || "");
      if (edited && edited.classList.contains("rka-form")) {
        preview(edited);
        focusField(edited.querySelector("[name=komponen]") || edited.querySelector("[data-nav]"));
      }
    } else if ((outcome === "saved" || outcome === "moved") && viaEnter && entry) {
      focusField(entry.querySelector("[name=komponen]") || entry.querySelector("[name=account]"));
    }
    document.body.dataset.rkaEnter = "";
  });

  // a row arrived for a group this page does not show (someone else added it): reload the table
  document.addEventListener("htmx:oobErrorNoTarget", function () {
    var table = document.getElementById("rka-lines");
    if (table && table.dataset.tableUrl && window.htmx) {
      window.htmx.ajax("GET", table.dataset.tableUrl, { target: "#rka-lines", swap: "outerHTML" });
    }
  });

  // --- sub-kegiatan form ----------------------------------------------------------------------------------------

  function prefillSubKegiatan(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var option = Array.prototype.find.call(list.options, function (o) {
      return o.value === input.value.trim();
    });
    var name = document.querySelector("[data-role=subkeg-name]");
    if (name) name.textContent = option ? option.textContent : "";
    if (!option) return;
    var indikator = document.querySelector("[data-role=indikator]");
    var satuan = document.querySelector("[data-role=satuan]");
    if (indikator && !indikator.value) indikator.value = option.dataset.indikator || "";
    if (satuan && !satuan.value) satuan.value = option.dataset.satuan || "";
  }

  function filterLokasi(input) {
    var select = document.getElementById(input.getAttribute("aria-controls"));
    if (!select) return;
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(select.querySelectorAll("option"), function (o) {
      var text = (o.textContent + " " + (o.parentElement.label || "")).toLowerCase();
      o.hidden = !o.selected && words.some(function (w) {
        return text.indexOf(w) < 0;
      });
    });
  }

  // initial previews (e.g. a row re-rendered with the typed values after an error without JS)
  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("form.rka-form"), preview);
  }
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (e) {
    if (e.detail && e.detail.elt && e.detail.elt.querySelectorAll) init(e.detail.elt.parentElement || document);
  });

  window.terangRka = { parseNum: parseNum, formatInput: formatInput };
})();
