/*
 * PostCSS plugin: drops the parts of Radix Themes' stylesheet this app cannot use.
 * Written into .web/ and added to postcss.config.js by portal_ui/reflex_internals/lean_styles.py, which
 * explains why; it runs after postcss-import has inlined `@radix-ui/themes/styles.css`.
 *
 * Production builds only (NODE_ENV=production, as `react-router build` sets it): under the dev
 * server a page could start using a component after the stylesheet was pruned.
 *
 * What the app uses is read from the compiled pages (the .jsx files Reflex wrote before the
 * build), so a page that starts using a component or a responsive value gets its styles:
 *  - components: `RadixThemes<Name>` imports. Only the leaf components in LEAVES can go (no
 *    other Radix component renders them inside itself); shared parts (Base*, ScrollArea,
 *    Spinner, Popper...) always stay.
 *  - responsive values: each `["sm"] : "3"` in a responsive prop. A rule for breakpoint-prefixed
 *    classes (`.sm\:rt-r-size-3`) stays only if every such class in one of its selectors has a
 *    value the app gives at that breakpoint. Radix writes these classes only for responsive props.
 *    A breakpoint given a value that is not a literal keeps all its rules.
 */
"use strict";

const fs = require("fs");
const path = require("path");

const LEAVES = [
  "Avatar", "Blockquote", "CheckboxCards", "CheckboxGroup", "ContextMenu", "Container", "Em",
  "HoverCard", "Inset", "Kbd", "Popover", "Progress", "Quote", "RadioCards", "RadioGroup",
  "Section", "SegmentedControl", "Slider", "TabNav", "Tabs", "TextArea", "ThemePanel", "Tooltip",
];
// Class families that belong to a leaf, beyond those named after it (its shared base).
const FAMILIES = { Tabs: ["BaseTabList"], TabNav: ["BaseTabList"], RadioGroup: ["BaseRadio"] };
const BREAKPOINTS = ["xs", "sm", "md", "lg", "xl"];

function sources(dirs) {
  const out = [];
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(jsx|js)$/.test(entry.name)) out.push(fs.readFileSync(full, "utf8"));
    }
  };
  dirs.forEach(walk);
  return out.join("\n");
}

/* What the compiled pages use: Radix component names, and per breakpoint the values given
 * (null: some value is not a literal, so anything goes). */
function usage(code) {
  const components = new Set([...code.matchAll(/RadixThemes([A-Z][A-Za-z]*)/g)].map((m) => m[1]));
  const values = Object.fromEntries(BREAKPOINTS.map((bp) => [bp, new Set()]));
  for (const m of code.matchAll(/\["(xs|sm|md|lg|xl)"\]\s*:\s*("([^"]*)"|[^,})]+)/g)) {
    if (values[m[1]] === null) continue;
    if (m[3] === undefined) values[m[1]] = null;
    else values[m[1]].add(m[3]);
  }
  return { components, values };
}

function unusedFamilies(components) {
  const drop = new Set();
  for (const leaf of LEAVES) {
    if ([...components].some((name) => name === leaf || name.startsWith(leaf))) continue;
    drop.add(leaf);
    (FAMILIES[leaf] || []).forEach((family) => drop.add(family));
  }
  // A family shared by several leaves stays while any of them is used.
  for (const [leaf, families] of Object.entries(FAMILIES)) {
    if (!drop.has(leaf)) families.forEach((family) => drop.delete(family));
  }
  return drop;
}

function selectorIsUnused(selector, dropFamilies, values) {
  for (const m of selector.matchAll(/\.rt-([A-Z][A-Za-z]*)/g)) {
    for (const family of dropFamilies) {
      if (m[1] === family || (m[1].startsWith(family) && /^[A-Z]/.test(m[1].slice(family.length)))) return true;
    }
  }
  // `.sm\:rt-r-size-3`: breakpoint, then a family and a value ("size-3", "jc-space-between"), or a
  // family alone, whose value is a CSS variable ("gtc", for columns given as a template).
  for (const m of selector.matchAll(/\.(xs|sm|md|lg|xl)\\:-?rt-r-([a-z0-9-]+)/g)) {
    const given = values[m[1]];
    if (given === null) continue;
    if (given.size === 0) return true;
    if (m[2].includes("-") && ![...given].some((value) => m[2].endsWith(`-${value}`))) return true;
  }
  return false;
}

module.exports = (opts = {}) => {
  const root = opts.root || __dirname;
  return {
    postcssPlugin: "portal-radix-prune",
    Once(css, { result }) {
      // Production builds only: the dev server would keep a pruned sheet while pages change.
      if (!opts.always && process.env.NODE_ENV !== "production") return;
      const code = sources((opts.dirs || ["app", "app_components", "components", "utils"]).map((dir) => path.join(root, dir)));
      if (!code) return; // nothing compiled to read: keep everything
      const { components, values } = usage(code);
      const drop = unusedFamilies(components);
      let removed = 0;
      css.walkRules((rule) => {
        if (rule.parent && rule.parent.type === "rule") return;
        if (rule.selectors.every((selector) => selectorIsUnused(selector, drop, values))) {
          removed += 1;
          rule.remove();
        }
      });
      // Media and supports blocks left empty go too (an empty @layer block would still order layers).
      for (let emptied = true; emptied; ) {
        emptied = false;
        css.walkAtRules(/^(media|supports)$/, (atRule) => {
          if (atRule.nodes && atRule.nodes.length === 0) {
            atRule.remove();
            emptied = true;
          }
        });
      }
      result.messages.push({ type: "portal-radix-prune", plugin: "portal-radix-prune", removed });
    },
  };
};
module.exports.postcss = true;
module.exports.usage = usage;
module.exports.unusedFamilies = unusedFamilies;
module.exports.selectorIsUnused = selectorIsUnused;
