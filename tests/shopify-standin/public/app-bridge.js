/* global window, document, location, history, sessionStorage, URL, URLSearchParams, Request, CustomEvent, MutationObserver, setTimeout, clearTimeout, console */
// The stand-in's App Bridge: loaded by the embedded app (AppProvider's __APP_BRIDGE_URL /
// shopify-app-remix's APP_BRIDGE_URL) inside the stand-in admin's iframe. It talks to the admin
// frame by postMessage, as Shopify's App Bridge talks to Shopify admin: the admin mints the session
// tokens, shows toasts and the loading bar, renders the app's navigation and navigates the top window.
(function () {
  "use strict";
  if (window.shopify && window.shopify.__standIn) return;

  var script = document.currentScript;
  var adminOrigin = script ? new URL(script.src).origin : location.origin;
  var metaKey = document.querySelector('meta[name="shopify-api-key"]');
  var apiKey =
    (script && script.getAttribute("data-api-key")) || (metaKey && metaKey.content) || "";
  var params = new URLSearchParams(location.search);

  function remember(name) {
    var value = params.get(name);
    try {
      if (value) sessionStorage.setItem("standin-app-bridge:" + name, value);
      else value = sessionStorage.getItem("standin-app-bridge:" + name);
    } catch {
      // Storage can be unavailable in third-party frames; the query string still works.
    }
    return value;
  }

  var shop = remember("shop");
  var host = remember("host");
  var locale = remember("locale") || "en";
  var embedded = window.top !== window;

  function post(message) {
    message.source = "standin-app-bridge";
    window.parent.postMessage(message, adminOrigin);
  }

  // Outside the admin, App Bridge sends the merchant into the admin (its "auto-redirect").
  if (!embedded) {
    if (shop) {
      var handle = shop.replace(/\.myshopify\.com$/, "");
      var rest = new URLSearchParams(location.search);
      ["embedded", "hmac", "host", "id_token", "session", "shop", "timestamp", "locale"].forEach(
        function (k) {
          rest.delete(k);
        },
      );
      var query = rest.toString();
      location.assign(
        adminOrigin +
          "/store/" +
          handle +
          "/apps/" +
          apiKey +
          location.pathname +
          (query ? "?" + query : ""),
      );
    }
    return;
  }

  // App Bridge's elements render in the admin, not in the app's page.
  var style = document.createElement("style");
  style.textContent =
    "ui-nav-menu, ui-title-bar, ui-save-bar, ui-modal { display: none !important; }";
  (document.head || document.documentElement).appendChild(style);

  var pending = {};
  var counter = 0;
  var cached = null;

  window.addEventListener("message", function (event) {
    if (event.origin !== adminOrigin || event.source !== window.parent) return;
    var data = event.data || {};
    if (data.source !== "standin-admin") return;
    if (data.type === "idToken" && pending[data.id]) {
      var entry = pending[data.id];
      delete pending[data.id];
      clearTimeout(entry.timer);
      if (data.token) entry.resolve(data.token);
      else entry.reject(new Error(data.error || "no session token"));
    } else if (data.type === "navigate") {
      navigate(data.href);
    }
  });

  function requestToken() {
    return new Promise(function (resolve, reject) {
      var id = "t" + ++counter;
      var timer = setTimeout(function () {
        delete pending[id];
        reject(new Error("The admin did not answer the session token request"));
      }, 10000);
      pending[id] = { resolve: resolve, reject: reject, timer: timer };
      post({ type: "idToken", id: id });
    });
  }

  /** A session token; cached until 10 s before it expires unless `fresh`. */
  function idToken(fresh) {
    var now = Date.now();
    if (!fresh && cached && cached.until > now) return Promise.resolve(cached.token);
    return requestToken().then(function (token) {
      cached = { token: token, until: now + 50000 };
      return token;
    });
  }

  function redirectTop(url) {
    post({ type: "redirect", url: new URL(url, location.href).href });
  }

  // App Bridge sends window.open(url, "_top" | "_parent") to the admin, which moves the top window
  // (shopify-app-remix's exit-iframe page and redirect(url, {target}) rely on this).
  var originalOpen = window.open;
  window.open = function (url, target, features) {
    if (target === "_top" || target === "_parent") {
      redirectTop(String(url));
      return null;
    }
    return originalOpen.call(window, url, target, features);
  };

  // Fetches to the app's own origin (and config.appOrigins) get `Authorization: Bearer <id token>`;
  // a 401 carrying X-Shopify-Retry-Invalid-Session-Request: 1 is retried once with a fresh token; a
  // response with X-Shopify-API-Request-Failure-Reauthorize-Url sends the top window there.
  var originalFetch = window.fetch.bind(window);
  var config = {
    apiKey: apiKey,
    shop: shop || undefined,
    host: host || undefined,
    locale: locale,
    appOrigins: [],
  };

  function authenticates(url) {
    if (url.origin === location.origin) return true;
    return (config.appOrigins || []).indexOf(url.origin) !== -1;
  }

  window.fetch = function (input, init) {
    var request = new Request(input, init);
    var url = new URL(request.url, location.href);
    if (!authenticates(url) || request.headers.has("Authorization")) return originalFetch(request);
    function attempt(fresh) {
      var copy = request.clone();
      return idToken(fresh).then(function (token) {
        copy.headers.set("Authorization", "Bearer " + token);
        return originalFetch(copy);
      });
    }
    return attempt(false)
      .then(function (response) {
        if (
          response.status === 401 &&
          response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1"
        ) {
          return attempt(true);
        }
        return response;
      })
      .then(function (response) {
        var reauthorize = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
        if (reauthorize) redirectTop(reauthorize);
        return response;
      });
  };

  // shopify-app-remix's bounce page (/auth/session-token?shopify-reload=…): fetch a fresh session
  // token and reload the target with it as id_token.
  var reload = params.get("shopify-reload");
  if (reload) {
    var target = new URL(reload, location.href);
    if (target.origin === location.origin) {
      idToken(true).then(function (token) {
        target.searchParams.set("id_token", token);
        location.replace(target.href);
      });
    } else {
      console.error("App Bridge stand-in: refusing shopify-reload to another origin", reload);
    }
  }

  // Keep the admin's address bar in step with the app's location.
  function reportLocation() {
    post({ type: "location", path: location.pathname + location.search });
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(history, arguments);
      reportLocation();
      return result;
    };
  });
  window.addEventListener("popstate", reportLocation);

  // <ui-nav-menu> and <ui-title-bar> render in the admin, not in the app.
  var lastNav = "";
  var lastTitle = null;
  function scan() {
    var menu = document.querySelector("ui-nav-menu");
    var items = [];
    if (menu) {
      var links = menu.querySelectorAll("a");
      for (var i = 0; i < links.length; i++) {
        items.push({
          href: links[i].getAttribute("href"),
          label: (links[i].textContent || "").trim(),
          home: links[i].getAttribute("rel") === "home",
        });
      }
    }
    var nav = JSON.stringify(items);
    if (nav !== lastNav) {
      lastNav = nav;
      post({ type: "navMenu", items: items });
    }
    var bar = document.querySelector("ui-title-bar");
    var title = bar ? bar.getAttribute("title") : null;
    if (title !== lastTitle) {
      lastTitle = title;
      post({ type: "titleBar", title: title });
    }
  }
  var observer = new MutationObserver(scan);
  function observe() {
    observer.observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
    scan();
  }

  function navigate(href) {
    var menu = document.querySelector("ui-nav-menu");
    var links = menu ? menu.querySelectorAll("a") : [];
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("href") === href) {
        // shopify-app-remix's AppProvider listens for this and navigates with Remix.
        links[i].dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true }));
        if (!window.__remixContext && !window.__reactRouterContext) location.assign(href);
        return;
      }
    }
    location.assign(href);
  }

  var toastCounter = 0;
  var shopify = {
    __standIn: true,
    config: config,
    origin: adminOrigin,
    environment: { embedded: true, mobile: false, pos: false },
    ready: Promise.resolve(),
    idToken: function () {
      return idToken(false);
    },
    toast: {
      show: function (message, options) {
        var id = "toast-" + ++toastCounter;
        var opts = options || {};
        post({
          type: "toast",
          id: id,
          message: String(message),
          isError: !!opts.isError,
          duration: opts.duration || 5000,
        });
        return id;
      },
      hide: function (id) {
        post({ type: "toastHide", id: id });
      },
    },
    loading: function (isLoading) {
      post({ type: "loading", on: isLoading === undefined ? true : !!isLoading });
    },
    user: function () {
      return Promise.resolve({ name: "Stand-in Merchant", accountAccess: "Account owner" });
    },
  };
  window.shopify = shopify;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", observe);
  else observe();
  post({ type: "ready" });
  reportLocation();
})();
