/* global window, document, location, history, fetch, URL, setTimeout */
// The admin side of the stand-in admin frame: answers the app's App Bridge messages.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("standin-config").textContent);
  var frame = document.getElementById("app-frame");
  var nav = document.getElementById("app-nav");
  var home = document.getElementById("app-home");
  var pageTitle = document.getElementById("page-title");
  var loading = document.getElementById("loading");
  var toasts = document.getElementById("toasts");
  var toastNodes = {};

  function reply(message) {
    message.source = "standin-admin";
    frame.contentWindow.postMessage(message, config.appOrigin);
  }

  function sessionToken(id) {
    fetch(config.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sessionId: config.sessionId }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error("session token request failed: " + response.status);
        return response.json();
      })
      .then(function (body) {
        reply({ type: "idToken", id: id, token: body.token });
      })
      .catch(function (error) {
        reply({ type: "idToken", id: id, error: String(error) });
      });
  }

  function showToast(message) {
    var node = document.createElement("div");
    node.className = "toast" + (message.isError ? " error" : "");
    node.setAttribute("role", message.isError ? "alert" : "status");
    node.textContent = message.message;
    toasts.appendChild(node);
    toastNodes[message.id] = node;
    setTimeout(function () {
      hideToast(message.id);
    }, message.duration || 5000);
  }

  function hideToast(id) {
    var node = toastNodes[id];
    if (node && node.parentNode) node.parentNode.removeChild(node);
    delete toastNodes[id];
  }

  /** The app-relative path (app URL path minus the app's base path), without Shopify's embedded params. */
  function appRelative(path) {
    var url = new URL(path, config.appOrigin);
    var pathname = url.pathname;
    if (config.appBasePath && pathname.indexOf(config.appBasePath) === 0) {
      pathname = pathname.slice(config.appBasePath.length) || "/";
    }
    config.embeddedParams.forEach(function (name) {
      url.searchParams.delete(name);
    });
    var query = url.searchParams.toString();
    return pathname + (query ? "?" + query : "");
  }

  function markActive(path) {
    var links = nav.querySelectorAll("a");
    var matched = false;
    for (var i = 0; i < links.length; i++) {
      var active = links[i].getAttribute("data-href") === path.split("?")[0];
      links[i].classList.toggle("active", active);
      matched = matched || active;
    }
    home.classList.toggle("active", !matched);
  }

  function syncLocation(path) {
    var relative = appRelative(path);
    var target = config.adminBase + (relative === "/" ? "" : relative);
    if (location.pathname + location.search !== target) history.replaceState(null, "", target);
    markActive(relative);
  }

  function renderNav(items) {
    nav.textContent = "";
    items.forEach(function (item) {
      if (item.home) {
        home.setAttribute("data-href", item.href);
        return;
      }
      var link = document.createElement("a");
      link.textContent = item.label;
      link.setAttribute("data-href", item.href);
      link.href = config.adminBase + (item.href === "/" ? "" : item.href);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        reply({ type: "navigate", href: item.href });
      });
      nav.appendChild(link);
    });
  }

  home.addEventListener("click", function (event) {
    var href = home.getAttribute("data-href");
    if (!href) return;
    event.preventDefault();
    reply({ type: "navigate", href: href });
  });

  /** Where a URL of Shopify admin lives in the stand-in; other URLs load in the top window as they are. */
  function redirect(url) {
    var target = new URL(url, location.href);
    var admin = /^\/store\/([^/]+)(\/.*)?$/.exec(target.pathname);
    if (target.hostname === "admin.shopify.com" && admin) {
      location.assign("/store/" + admin[1] + (admin[2] || "") + target.search);
    } else if (target.hostname === config.shop && target.pathname.indexOf("/admin") === 0) {
      location.assign(
        "/store/" + config.handle + target.pathname.slice("/admin".length) + target.search,
      );
    } else {
      location.assign(target.href);
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== config.appOrigin || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.source !== "standin-app-bridge") return;
    switch (data.type) {
      case "idToken":
        sessionToken(data.id);
        break;
      case "toast":
        showToast(data);
        break;
      case "toastHide":
        hideToast(data.id);
        break;
      case "loading":
        loading.classList.toggle("on", !!data.on);
        break;
      case "navMenu":
        renderNav(data.items || []);
        break;
      case "titleBar":
        pageTitle.textContent = data.title || "";
        break;
      case "location":
        syncLocation(data.path);
        break;
      case "redirect":
        redirect(data.url);
        break;
    }
  });

  window.standInAdmin = { config: config };
})();
