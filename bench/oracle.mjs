// What the search benchmarks share: the query set, the known answers
// computed from the source Markdown (independently of any index), and a
// few helpers. bench/search.mjs (Casebook) and bench/pagefind.mjs
// (Pagefind, on the same built pages) both import it, so both are judged
// against the same answers.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const QUERIES = [
  "西格玛", "六西格玛", "精益", "精益生产", "QC小组", "qc小组", "卓越绩效", "数字化质量管控",
  "DMAIC", "5G专网", "TRIZ", "8D问题解决法", "鱼骨图", "数字孪生", "区块链追溯", "首席质量官",
  "失效模式", "供应商帮扶", "质量", "管理", "质量管理", "质量 管理", "精益 数字化",
  "六西格玛 客户满意度", "鱼骨图 控制图", "机器视觉 一次合格率", "全员生产维护 设备综合效率",
];

/** Every file under `dir`, recursively. */
export function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function frontMatterValue(lines, key) {
  const line = lines.find((l) => l.startsWith(`${key}:`));
  return line ? line.slice(key.length + 1).trim().replace(/^["']|["']$/g, "") : "";
}

/**
 * Known answers: a case matches a query when each of its words appears,
 * folded by `foldChar` (the built search.js's width folding) and
 * lowercased, in the case's title, enterprise name, methods, technologies
 * or body. Only published cases count. Returns `query → Set of case ids`.
 */
export function knownAnswers(siteDir, foldChar) {
  const fold = (text) => [...text].map((c) => foldChar(c).toLowerCase()).join("");
  const cases = new Map();
  for (const path of walk(join(siteDir, "content/cases"))) {
    if (!path.endsWith(".md")) continue;
    const text = readFileSync(path, "utf8");
    const end = text.indexOf("\n---", 4);
    const front = text.slice(4, end).split("\n");
    const body = text.slice(end + 4);
    const status = frontMatterValue(front, "status");
    if (status !== "approved" && status !== "national") continue;
    const id = frontMatterValue(front, "id");
    const nameLine = front.find((l) => /^\s+name:/.test(l)) || "";
    const list = (key) => {
      const line = front.find((l) => l.startsWith(`${key}:`)) || "";
      return line.slice(key.length + 1).replace(/[[\]]/g, " ").split(",").join("\n");
    };
    cases.set(id, [
      frontMatterValue(front, "title"),
      nameLine.split(":").slice(1).join(":").trim().replace(/^["']|["']$/g, ""),
      list("methods"),
      list("technologies"),
      body,
    ].map(fold));
  }
  return (query) => {
    const words = fold(query).split(/\s+/u).filter(Boolean);
    const out = new Set();
    for (const [id, fields] of cases) {
      if (words.every((w) => fields.some((f) => f.includes(w)))) out.add(id);
    }
    return out;
  };
}
