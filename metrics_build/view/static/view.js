// Draws every chart of the page from the JSON in #figures, then marks the page ready (body
// data-ready="1", data-charts = charts drawn, data-ready-ms = milliseconds since the page was opened).
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("figures").textContent);
  var config = { displaylogo: false, responsive: true };
  var ids = Object.keys(figures);
  var drawn = 0;

  function done() {
    document.body.dataset.charts = String(drawn);
    document.body.dataset.readyMs = String(Math.round(window.performance.now()));
    document.body.dataset.ready = "1";
  }

  function draw(id) {
    var element = document.getElementById(id);
    var figure = figures[id];
    var merged = Object.assign({}, config, figure.config || {});
    return window.Plotly.newPlot(element, {
      data: figure.data || [], layout: figure.layout || {}, frames: figure.frames, config: merged
    }).then(function () {
      drawn += 1;
      element.dataset.drawn = "1";
      if (element.classList.contains("timeline")) {
        element.on("plotly_click", function (event) {
          var anchor = event.points.length ? event.points[0].customdata : null;
          if (anchor) { window.location.hash = anchor; }
        });
      }
    }, function (error) {
      element.textContent = "This chart could not be drawn: " + error;
      console.error("chart " + id + ": " + error);
    });
  }

  // Charts inside a closed <details> are drawn at a default width; fit them when it opens.
  document.addEventListener("toggle", function (event) {
    if (event.target.open && window.Plotly) {
      event.target.querySelectorAll(".js-plotly-plot").forEach(function (plot) {
        window.Plotly.Plots.resize(plot);
      });
    }
  }, true);

  if (!ids.length) { done(); return; }
  Promise.all(ids.map(draw)).then(done);
})();
