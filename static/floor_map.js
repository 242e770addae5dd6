/* The managers' shape editor (workspace floor_map.html; leasing/workspace/map_editor.py).

   Plain JavaScript, no framework. The page passes the floor's units, the canvas
   size and the words to show in <script id="floor-map-data" type="application/json">.
   Shapes are kept as the server stores them (carriers/shapes.py): fractions 0..1 of
   the canvas, {"kind": "rect", "points": [[x0, y0], [x1, y1]]} or
   {"kind": "polygon", "points": [[x, y], ...]}. Saving fills the form's hidden
   `shapes` field with unit id -> shape (or null) for every unit and submits it;
   the server checks everything and saves all of it or nothing.

   Drawing: choose a unit (list or its shape). A unit without a shape is drawn by
   dragging (rectangle) or by clicking corners (polygon; double-click, Enter or a
   click on the first corner closes it, Esc cancels). A unit with a shape shows
   handles on its corners to drag, and can be dragged whole. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var dataElement = document.getElementById("floor-map-data");
  var svg = document.getElementById("fm-canvas");
  if (!dataElement || !svg) {
    return;
  }
  var data = JSON.parse(dataElement.textContent);
  var W = data.canvas.width;
  var H = data.canvas.height;
  var words = data.text;
  var shapesLayer = document.getElementById("fm-shapes");
  var overlay = document.getElementById("fm-overlay");
  var hint = document.getElementById("fm-hint");
  var form = document.getElementById("fm-form");
  var field = document.getElementById("fm-shapes-field");
  var dirtyMark = document.getElementById("fm-dirty");
  var MIN_SIDE = 0.004; // smaller than this (as a share of the canvas) is a slip of the mouse
  var CLOSE_DISTANCE = 12; // canvas units: a click this near the first corner closes a polygon
  var HANDLE_RADIUS = 7;
  var DOUBLE_CLICK_MS = 500;

  var units = {};
  var order = [];
  var selected = null;
  var mode = "rect";
  var drawing = null; // {kind: "rect", from, to} or {kind: "polygon", points, cursor}
  var drag = null; // {kind: "corner", index} or {kind: "move", start, original}
  var dirty = false;
  var message = "";
  var previous = null; // {id, shape}: the shape being redrawn, back if the redraw is abandoned

  // --- shapes ------------------------------------------------------------------------

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  function clamp(value) {
    return Math.min(1, Math.max(0, value));
  }

  function round(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  // A shape as this editor can draw it, or null: a draft sent back after a refused
  // save may hold anything, and must not break the page.
  function readShape(raw) {
    if (!raw || typeof raw !== "object" || !Array.isArray(raw.points)) {
      return null;
    }
    if (raw.kind !== "rect" && raw.kind !== "polygon") {
      return null;
    }
    var points = [];
    for (var i = 0; i < raw.points.length; i++) {
      var p = raw.points[i];
      if (!Array.isArray(p) || p.length !== 2 || !isNumber(p[0]) || !isNumber(p[1])) {
        return null;
      }
      points.push([clamp(p[0]), clamp(p[1])]);
    }
    if (raw.kind === "rect") {
      if (points.length !== 2 && points.length !== 4) {
        return null;
      }
      return normalRect(points);
    }
    return points.length >= 3 ? { kind: "polygon", points: points } : null;
  }

  function normalRect(points) {
    var xs = points.map(function (p) { return p[0]; });
    var ys = points.map(function (p) { return p[1]; });
    return {
      kind: "rect",
      points: [
        [Math.min.apply(null, xs), Math.min.apply(null, ys)],
        [Math.max.apply(null, xs), Math.max.apply(null, ys)],
      ],
    };
  }

  function corners(shape) {
    if (shape.kind === "rect") {
      var a = shape.points[0];
      var b = shape.points[1];
      return [[a[0], a[1]], [b[0], a[1]], [b[0], b[1]], [a[0], b[1]]];
    }
    return shape.points;
  }

  function copy(shape) {
    return { kind: shape.kind, points: shape.points.map(function (p) { return [p[0], p[1]]; }) };
  }

  function centre(points) {
    var x = 0;
    var y = 0;
    points.forEach(function (p) { x += p[0]; y += p[1]; });
    return [x / points.length, y / points.length];
  }

  function bounds(points) {
    var xs = points.map(function (p) { return p[0]; });
    var ys = points.map(function (p) { return p[1]; });
    return [Math.min.apply(null, xs), Math.min.apply(null, ys), Math.max.apply(null, xs), Math.max.apply(null, ys)];
  }

  function pointsAttribute(points) {
    return points.map(function (p) { return (p[0] * W).toFixed(1) + "," + (p[1] * H).toFixed(1); }).join(" ");
  }

  // --- state -------------------------------------------------------------------------

  data.units.forEach(function (unit) {
    units[unit.id] = { id: unit.id, code: unit.code, area: unit.area, shape: readShape(unit.shape) };
    order.push(String(unit.id));
  });

  if (typeof data.draft === "string") {
    // A refused save: start again from what the manager drew, not from what is stored.
    try {
      var draft = JSON.parse(data.draft);
      if (draft && typeof draft === "object") {
        Object.keys(draft).forEach(function (id) {
          if (units[id]) {
            units[id].shape = readShape(draft[id]);
          }
        });
        dirty = true;
      }
    } catch (error) {
      // Not JSON at all: the stored shapes stand; the page says what was wrong.
    }
  }

  function say(text, code) {
    return text.replace("%(code)s", code || "");
  }

  function markDirty() {
    dirty = true;
  }

  function setShape(id, shape) {
    units[id].shape = shape;
    previous = null;
    markDirty();
  }

  function abandonRedraw() {
    if (previous && !units[previous.id].shape) {
      units[previous.id].shape = previous.shape;
    }
    previous = null;
  }

  // --- drawing -----------------------------------------------------------------------

  function element(name, attributes) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attributes).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function drawUnit(unit) {
    var points = corners(unit.shape);
    var isSelected = String(unit.id) === selected;
    shapesLayer.appendChild(element("polygon", {
      "class": "fm-shape" + (isSelected ? " selected" : ""),
      points: pointsAttribute(points),
      "data-unit": unit.id,
    }));
    var middle = centre(points);
    var label = element("text", { "class": "fm-label", x: (middle[0] * W).toFixed(1), y: (middle[1] * H).toFixed(1) });
    label.textContent = unit.code;
    shapesLayer.appendChild(label);
  }

  function render() {
    clear(shapesLayer);
    clear(overlay);
    order.forEach(function (id) {
      if (id !== selected && units[id].shape) {
        drawUnit(units[id]);
      }
    });
    var current = selected ? units[selected] : null;
    if (previous && current && !current.shape) {
      // What is being redrawn, as a guide.
      overlay.appendChild(element("polygon", { "class": "fm-draft", points: pointsAttribute(corners(previous.shape)) }));
    }
    if (current && current.shape) {
      drawUnit(current); // on top of its neighbours
      if (!drawing) {
        corners(current.shape).forEach(function (p, index) {
          overlay.appendChild(element("circle", {
            "class": "fm-handle",
            cx: (p[0] * W).toFixed(1),
            cy: (p[1] * H).toFixed(1),
            r: HANDLE_RADIUS,
            "data-index": index,
          }));
        });
      }
    }
    if (drawing && drawing.kind === "rect") {
      var box = normalRect([drawing.from, drawing.to]);
      overlay.appendChild(element("polygon", { "class": "fm-draft", points: pointsAttribute(corners(box)) }));
    } else if (drawing && drawing.kind === "polygon") {
      var line = drawing.points.concat(drawing.cursor ? [drawing.cursor] : []);
      overlay.appendChild(element(line.length > 2 ? "polygon" : "polyline", { "class": "fm-draft", points: pointsAttribute(line) }));
      drawing.points.forEach(function (p, index) {
        overlay.appendChild(element("circle", {
          "class": "fm-handle drafting" + (index === 0 ? " first" : ""),
          cx: (p[0] * W).toFixed(1),
          cy: (p[1] * H).toFixed(1),
          r: HANDLE_RADIUS - 2,
        }));
      });
    }
    svg.classList.toggle("editing", Boolean(current && current.shape));
    renderList();
    renderTools();
  }

  function renderList() {
    document.querySelectorAll(".fm-unit").forEach(function (button) {
      var unit = units[button.getAttribute("data-unit")];
      if (!unit) {
        return;
      }
      button.setAttribute("aria-pressed", String(button.getAttribute("data-unit") === selected));
      var mark = button.querySelector(".fm-state");
      mark.textContent = unit.shape ? words.drawn : words.undrawn;
      mark.className = "fm-state " + (unit.shape ? "drawn" : "undrawn");
    });
  }

  function renderTools() {
    var current = selected ? units[selected] : null;
    document.querySelectorAll(".fm-toolbar [data-mode]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-mode") === mode));
    });
    document.querySelectorAll(".fm-toolbar [data-action=redraw], .fm-toolbar [data-action=clear]").forEach(function (button) {
      button.disabled = !(current && current.shape);
    });
    dirtyMark.hidden = !dirty;
    if (message) {
      hint.textContent = message;
    } else if (!current) {
      hint.textContent = words.select;
    } else if (current.shape) {
      hint.textContent = say(words.edit, current.code);
    } else {
      hint.textContent = say(mode === "rect" ? words.rect : words.polygon, current.code);
    }
  }

  // --- pointer and keys --------------------------------------------------------------

  function canvasPoint(event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    return [clamp(local.x / W), clamp(local.y / H)];
  }

  function select(id) {
    if (id !== selected) {
      abandonRedraw();
    }
    selected = id;
    drawing = null;
    drag = null;
    message = "";
    render();
  }

  function near(a, b, distance) {
    var dx = (a[0] - b[0]) * W;
    var dy = (a[1] - b[1]) * H;
    return Math.sqrt(dx * dx + dy * dy) <= distance;
  }

  function closePolygon() {
    if (!drawing || drawing.kind !== "polygon") {
      return;
    }
    // A double click adds its corner twice: keep corners that are apart.
    var points = [];
    drawing.points.forEach(function (p) {
      var last = points[points.length - 1];
      if (!last || Math.abs(last[0] - p[0]) * W > 1 || Math.abs(last[1] - p[1]) * H > 1) {
        points.push(p);
      }
    });
    if (points.length < 3) {
      message = words.too_few;
      render();
      return;
    }
    setShape(selected, { kind: "polygon", points: points });
    drawing = null;
    message = "";
    render();
  }

  svg.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) {
      return;
    }
    var target = event.target;
    var current = selected ? units[selected] : null;
    var p = canvasPoint(event);
    message = "";
    if (current && !current.shape) {
      event.preventDefault();
      if (mode === "rect") {
        drawing = { kind: "rect", from: p, to: p };
        svg.setPointerCapture(event.pointerId);
      } else if (drawing && drawing.kind === "polygon") {
        // A second click on the corner just added is a double click: close. (Counted
        // here because the browser's dblclick is lost when the drawing under the
        // pointer is redrawn between the two clicks.)
        var last = drawing.points[drawing.points.length - 1];
        var again = event.timeStamp - drawing.lastAt < DOUBLE_CLICK_MS && near(last, p, 4);
        if (again || near(drawing.points[0], p, CLOSE_DISTANCE) && drawing.points.length >= 3) {
          closePolygon();
          return;
        }
        drawing.points.push(p);
        drawing.lastAt = event.timeStamp;
      } else {
        drawing = { kind: "polygon", points: [p], cursor: p, lastAt: event.timeStamp };
      }
      render();
      return;
    }
    if (target.classList.contains("fm-handle") && current) {
      event.preventDefault();
      drag = { kind: "corner", index: Number(target.getAttribute("data-index")) };
      svg.setPointerCapture(event.pointerId);
      return;
    }
    if (target.classList.contains("fm-shape")) {
      event.preventDefault();
      var id = target.getAttribute("data-unit");
      if (id !== selected) {
        select(id);
        return;
      }
      drag = { kind: "move", start: p, original: copy(current.shape) };
      svg.setPointerCapture(event.pointerId);
    }
  });

  svg.addEventListener("pointermove", function (event) {
    if (!drawing && !drag) {
      return;
    }
    var p = canvasPoint(event);
    var current = units[selected];
    if (drawing && drawing.kind === "rect") {
      drawing.to = p;
    } else if (drawing && drawing.kind === "polygon") {
      drawing.cursor = p;
    } else if (drag && drag.kind === "corner") {
      moveCorner(current, drag.index, p);
      markDirty();
    } else if (drag && drag.kind === "move") {
      var box = bounds(corners(drag.original));
      var dx = Math.min(1 - box[2], Math.max(-box[0], p[0] - drag.start[0]));
      var dy = Math.min(1 - box[3], Math.max(-box[1], p[1] - drag.start[1]));
      current.shape = {
        kind: drag.original.kind,
        points: drag.original.points.map(function (q) { return [q[0] + dx, q[1] + dy]; }),
      };
      markDirty();
    }
    render();
  });

  function moveCorner(unit, index, p) {
    var shape = unit.shape;
    if (shape.kind === "polygon") {
      shape.points[index] = p;
      return;
    }
    // Corners of a rectangle: 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left.
    var a = shape.points[0];
    var b = shape.points[1];
    if (index === 0) { a[0] = p[0]; a[1] = p[1]; }
    if (index === 1) { b[0] = p[0]; a[1] = p[1]; }
    if (index === 2) { b[0] = p[0]; b[1] = p[1]; }
    if (index === 3) { a[0] = p[0]; b[1] = p[1]; }
  }

  function finishPointer() {
    var current = selected ? units[selected] : null;
    if (drawing && drawing.kind === "rect") {
      var box = normalRect([drawing.from, drawing.to]);
      drawing = null;
      var a = box.points[0];
      var b = box.points[1];
      if (b[0] - a[0] < MIN_SIDE || b[1] - a[1] < MIN_SIDE) {
        message = words.too_small;
      } else {
        setShape(selected, box);
      }
    } else if (drag) {
      if (current && current.shape && current.shape.kind === "rect") {
        current.shape = normalRect(current.shape.points);
      }
      drag = null;
    }
    render();
  }

  svg.addEventListener("pointerup", finishPointer);
  svg.addEventListener("pointercancel", finishPointer);

  svg.addEventListener("dblclick", function (event) {
    event.preventDefault();
    closePolygon();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && drawing) {
      event.preventDefault();
      closePolygon();
    } else if (event.key === "Escape" && (drawing || drag || previous)) {
      if (!drawing && !drag) {
        abandonRedraw();
      }
      drawing = null;
      drag = null;
      message = "";
      render();
    }
  });

  // --- buttons -----------------------------------------------------------------------

  document.querySelectorAll(".fm-unit").forEach(function (button) {
    button.addEventListener("click", function () {
      select(button.getAttribute("data-unit"));
    });
  });

  document.querySelectorAll(".fm-toolbar [data-mode]").forEach(function (button) {
    button.addEventListener("click", function () {
      mode = button.getAttribute("data-mode");
      drawing = null;
      message = "";
      render();
    });
  });

  function act(name, handler) {
    var button = document.querySelector(".fm-toolbar [data-action=" + name + "]");
    if (button) {
      button.addEventListener("click", handler);
    }
  }

  act("redraw", function () {
    if (selected && units[selected].shape) {
      // Not a change yet: Esc, or choosing another unit before drawing, puts it back.
      previous = { id: selected, shape: units[selected].shape };
      units[selected].shape = null;
      drawing = null;
      message = "";
      render();
    }
  });

  act("clear", function () {
    if (selected && units[selected].shape) {
      setShape(selected, null);
      drawing = null;
      message = "";
      render();
    }
  });

  act("grid", function () {
    var placed = 0;
    order.forEach(function (id) {
      var suggestion = readShape(data.suggested[id]);
      if (!units[id].shape && suggestion && !(previous && previous.id === id)) {
        units[id].shape = suggestion;
        placed += 1;
      }
    });
    if (placed) {
      markDirty();
      drawing = null;
      message = words.placed;
      render();
    }
  });

  form.addEventListener("submit", function () {
    abandonRedraw(); // a redraw never finished keeps the shape it had
    var payload = {};
    order.forEach(function (id) {
      var shape = units[id].shape;
      payload[id] = shape
        ? { kind: shape.kind, points: shape.points.map(function (p) { return [round(p[0]), round(p[1])]; }) }
        : null;
    });
    field.value = JSON.stringify(payload);
  });

  render();
})();
