/**
 * A strict parser of Prometheus text exposition format 0.0.4, for tests: it
 * throws on any line the format does not allow (with the line number), and
 * on the structural mistakes a scraper would reject: a TYPE after the
 * family's samples or given twice, a family's samples not kept together, a
 * sample whose name fits no family of its type, a label given twice.
 * Written from the format's description, not from any other parser.
 */

/** One sample line. */
export interface PromSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
  readonly timestamp: number | undefined
}

/** A metric family: its HELP, TYPE and samples. */
export interface PromFamily {
  readonly name: string
  help: string | undefined
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped"
  readonly samples: Array<PromSample>
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const types = new Set(["counter", "gauge", "histogram", "summary", "untyped"])

/** A float as Go's ParseFloat reads it in this format: decimal, exponent, NaN, +Inf, -Inf. */
export const parseValue = (text: string): number => {
  if (text === "NaN") return NaN
  if (text === "+Inf" || text === "Inf") return Infinity
  if (text === "-Inf") return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`not a number: ${JSON.stringify(text)}`)
  return Number(text)
}

/** Reads `{name="value",...}` from `text` at `start` (just after `{`); returns the labels and where the `}` ends. */
const parseLabels = (text: string, start: number): { labels: Record<string, string>; end: number } => {
  const labels: Record<string, string> = {}
  let i = start
  const skipSpaces = () => {
    while (text[i] === " " || text[i] === "\t") i++
  }
  for (;;) {
    skipSpaces()
    if (text[i] === "}") return { labels, end: i + 1 }
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))
    if (nameMatch === null) throw new Error(`bad label name at column ${i + 1}`)
    const name = nameMatch[0]
    i += name.length
    skipSpaces()
    if (text[i] !== "=") throw new Error(`expected = after label ${name}`)
    i++
    skipSpaces()
    if (text[i] !== "\"") throw new Error(`expected " to open the value of label ${name}`)
    i++
    let value = ""
    for (;;) {
      const c = text[i]
      if (c === undefined) throw new Error(`unterminated value of label ${name}`)
      if (c === "\"") break
      if (c === "\\") {
        const next = text[i + 1]
        if (next === "\\") value += "\\"
        else if (next === "\"") value += "\""
        else if (next === "n") value += "\n"
        else throw new Error(`bad escape \\${next ?? ""} in label ${name}`)
        i += 2
        continue
      }
      value += c
      i++
    }
    i++
    if (Object.prototype.hasOwnProperty.call(labels, name)) throw new Error(`label ${name} given twice`)
    if (!labelName.test(name) || name.startsWith("__")) throw new Error(`reserved or bad label name ${name}`)
    labels[name] = value
    skipSpaces()
    if (text[i] === ",") {
      i++
      continue
    }
    if (text[i] === "}") return { labels, end: i + 1 }
    throw new Error(`expected , or } after label ${name}`)
  }
}

const unescapeHelp = (text: string): string =>
  text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === "\\") return "\\"
    if (c === "n") return "\n"
    throw new Error(`bad escape \\${c} in HELP`)
  })

/** The family a sample belongs to, given the families declared so far. */
const familyOf = (families: Map<string, PromFamily>, sample: string): PromFamily | undefined => {
  const exact = families.get(sample)
  if (exact !== undefined && exact.type !== "histogram") return exact
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sample.endsWith(suffix)) continue
    const family = families.get(sample.slice(0, -suffix.length))
    if (family === undefined) continue
    if (family.type === "histogram") return family
    if (family.type === "summary" && suffix !== "_bucket") return family
  }
  return exact
}

/** Parses a whole exposition; throws `line N: why` on the first problem. */
export const parsePrometheus = (text: string): Map<string, PromFamily> => {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("the exposition must end with a line feed")
  const families = new Map<string, PromFamily>()
  const finished = new Set<string>()
  const typed = new Set<string>()
  let current: PromFamily | undefined
  const lines = text.split("\n")
  lines.pop()
  lines.forEach((line, index) => {
    try {
      if (line.includes("\r")) throw new Error("carriage return in line")
      if (line.trim() === "") return
      const declare = (name: string): PromFamily => {
        if (!metricName.test(name)) throw new Error(`bad metric name ${JSON.stringify(name)}`)
        let family = families.get(name)
        if (family === undefined) {
          family = { name, help: undefined, type: "untyped", samples: [] }
          families.set(name, family)
        }
        return family
      }
      if (line.startsWith("#")) {
        const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line)
        if (m === null) return // A plain comment.
        const [, keyword, name, rest] = m as unknown as [string, string, string, string | undefined]
        const family = declare(name)
        if (keyword === "HELP") {
          if (family.help !== undefined) throw new Error(`second HELP for ${name}`)
          family.help = unescapeHelp(rest ?? "")
        } else {
          const type = (rest ?? "").trim()
          if (!types.has(type)) throw new Error(`unknown TYPE ${JSON.stringify(type)} for ${name}`)
          if (family.samples.length > 0) throw new Error(`TYPE for ${name} after its samples`)
          if (typed.has(name)) throw new Error(`second TYPE for ${name}`)
          typed.add(name)
          family.type = type as PromFamily["type"]
        }
        return
      }
      const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)
      if (nameMatch === null) throw new Error("a sample must start with a metric name")
      const name = nameMatch[0]
      let i = name.length
      let labels: Record<string, string> = {}
      if (line[i] === "{") {
        const parsed = parseLabels(line, i + 1)
        labels = parsed.labels
        i = parsed.end
      }
      const rest = line.slice(i)
      const m = /^[ \t]+(\S+)(?:[ \t]+(-?\d+))?[ \t]*$/.exec(rest)
      if (m === null) throw new Error(`expected a value (and perhaps a timestamp) after the name and labels, got ${JSON.stringify(rest)}`)
      const value = parseValue(m[1] as string)
      const timestamp = m[2] === undefined ? undefined : Number(m[2])
      const family = familyOf(families, name) ?? declare(name)
      if (family.type === "histogram" && !["_bucket", "_sum", "_count"].some((s) => name === family.name + s)) {
        throw new Error(`histogram ${family.name} has no sample ${name}`)
      }
      if (family.type === "histogram" && name.endsWith("_bucket") && labels["le"] === undefined) {
        throw new Error(`bucket of ${family.name} without le`)
      }
      if (family.type === "summary" && name === family.name && labels["quantile"] === undefined) {
        throw new Error(`quantile sample of ${family.name} without quantile`)
      }
      if (current !== family) {
        if (finished.has(family.name)) throw new Error(`samples of ${family.name} are not together`)
        if (current !== undefined) finished.add(current.name)
        current = family
      }
      family.samples.push({ name, labels, value, timestamp })
    } catch (error) {
      throw new Error(`line ${index + 1}: ${(error as Error).message}: ${JSON.stringify(line)}`)
    }
  })
  return families
}

/** The family `name`, or an error listing those there are. */
export const family = (families: Map<string, PromFamily>, name: string): PromFamily => {
  const found = families.get(name)
  if (found === undefined) throw new Error(`no family ${name}; there are ${[...families.keys()].join(", ")}`)
  return found
}

/**
 * Checks one histogram's series: buckets ascending by `le`, counts never
 * falling, a `+Inf` bucket equal to `_count`. Returns how many series it checked.
 */
export const checkHistogram = (histogram: PromFamily): number => {
  if (histogram.type !== "histogram") throw new Error(`${histogram.name} is a ${histogram.type}`)
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>()
  for (const s of histogram.samples) {
    const { le, ...rest } = s.labels
    const key = JSON.stringify(Object.entries(rest).sort())
    const entry = series.get(key) ?? { buckets: [] }
    series.set(key, entry)
    if (s.name.endsWith("_bucket")) entry.buckets.push([parseValue(le as string), s.value])
    else if (s.name.endsWith("_count")) entry.count = s.value
    else entry.sum = s.value
  }
  for (const [key, entry] of series) {
    if (entry.count === undefined || entry.sum === undefined) throw new Error(`${histogram.name}${key}: no _count or _sum`)
    for (let i = 1; i < entry.buckets.length; i++) {
      const [le0, c0] = entry.buckets[i - 1] as [number, number]
      const [le1, c1] = entry.buckets[i] as [number, number]
      if (!(le1 > le0)) throw new Error(`${histogram.name}${key}: le not ascending`)
      if (c1 < c0) throw new Error(`${histogram.name}${key}: bucket counts fall`)
    }
    const last = entry.buckets[entry.buckets.length - 1]
    if (last === undefined || last[0] !== Infinity) throw new Error(`${histogram.name}${key}: no +Inf bucket`)
    if (last[1] !== entry.count) throw new Error(`${histogram.name}${key}: +Inf bucket ${last[1]} is not _count ${entry.count}`)
  }
  return series.size
}
