// Start Swagger UI on /api/docs/ (templates/api/docs.html). A static file rather than an
// inline script, so the page works under a Content-Security-Policy without 'unsafe-inline'.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Cookies go with "Try it out", so staff can page through the refresh jobs.
    withCredentials: true,
  });
})();
