/*
 * pgticket's API reference page: one swagger-ui for every document listed
 * in apis.json (written by tests/stack.sh docs-site), the first selected
 * unless ?urls.primaryName=<title> names another.  Nothing is loaded from
 * elsewhere: no validator badge (validatorUrl null), no remote config.
 */
"use strict";

window.addEventListener("load", function () {
    fetch("apis.json")
        .then(function (r) { return r.json(); })
        .then(function (urls) {
            var primary = new URLSearchParams(window.location.search)
                .get("urls.primaryName");
            window.ui = SwaggerUIBundle({
                urls: urls,
                "urls.primaryName": primary || undefined,
                dom_id: "#swagger-ui",
                deepLinking: true,
                validatorUrl: null,
                queryConfigEnabled: false,
                presets: [
                    SwaggerUIBundle.presets.apis,
                    SwaggerUIStandalonePreset
                ],
                plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                layout: "StandaloneLayout"
            });
        });
});
