// GraphiQL on this service's /graphql (development only); React, ReactDOM and GraphiQL come
// from npm packages served by the app under /assets/, never from a CDN.
(function () {
  "use strict";
  var EXAMPLE = [
    "# The first destinations of the demo data (Ctrl-Enter runs the query).",
    "# Every query takes the visitor's language: a `lang` argument, X-Tourism-Language",
    "# or Accept-Language. README.md lists the queries.",
    "{",
    "  destinations(first: 3) {",
    "    edges { node { id name nameLang } }",
    "  }",
    "}",
    "",
  ].join("\n");
  var url = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: url });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: EXAMPLE,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
  }));
})();
