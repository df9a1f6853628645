import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, MetricBoundaries, MetricKey, MetricPair, MetricState, Option } from "effect"
import * as Prometheus from "../../../src/internal/http/prometheus.js"
import { checkHistogram, family, parsePrometheus } from "../../support/prometheus.js"

/** Renders exactly these metrics, read back from the registry by name. */
const renderOnly = (names: ReadonlyArray<string>) =>
  Prometheus.render(Metric.unsafeSnapshot().filter((p) => names.includes(p.metricKey.name)))

describe("Prometheus exposition of Effect metrics", () => {
  it.effect("every metric type, with HELP and TYPE, labels kept and escaped, parsed back by a strict parser", () =>
    Effect.gen(function*() {
      const counter = Metric.counter("prom_test_requests", { description: "requests\nserved, C:\\ too" }).pipe(
        Metric.tagged("path", "/a\"b\\c\nd"),
        Metric.tagged("bad-label", "x")
      )
      yield* Metric.incrementBy(counter, 3)
      yield* Metric.set(Metric.gauge("prom_test_depth"), -2.5)
      const histogram = Metric.histogram("prom_test_latency", MetricBoundaries.fromIterable([0.1, 1, 10]), "latency")
      for (const v of [0.05, 0.5, 0.5, 5, 50]) yield* Metric.update(histogram.pipe(Metric.tagged("op", "get")), v)
      yield* Metric.update(histogram.pipe(Metric.tagged("op", "put")), 1)
      const summary = Metric.summary({ name: "prom_test_sizes", maxAge: "1 minute", maxSize: 100, error: 0.01, quantiles: [0.5, 0.99] })
      for (const v of [1, 2, 3, 4]) yield* Metric.update(summary, v)
      const frequency = Metric.frequency("prom_test_outcomes")
      for (const v of ["ok", "ok", "timeout"]) yield* Metric.update(frequency, v)
      yield* Metric.increment(Metric.counter("prom.test-odd name"))

      const text = renderOnly([
        "prom_test_requests",
        "prom_test_depth",
        "prom_test_latency",
        "prom_test_sizes",
        "prom_test_outcomes",
        "prom.test-odd name"
      ])
      const families = parsePrometheus(text)

      const requests = family(families, "prom_test_requests")
      expect(requests.type).toBe("counter")
      expect(requests.help).toBe("requests\nserved, C:\\ too")
      expect(requests.samples).toEqual([
        { name: "prom_test_requests", labels: { path: "/a\"b\\c\nd", bad_label: "x" }, value: 3, timestamp: undefined }
      ])
      expect(family(families, "prom_test_depth")).toMatchObject({ type: "gauge", help: "prom_test_depth", samples: [{ value: -2.5 }] })

      const latency = family(families, "prom_test_latency")
      expect(latency.type).toBe("histogram")
      expect(checkHistogram(latency)).toBe(2)
      const get = latency.samples.filter((s) => s.labels["op"] === "get")
      expect(get.filter((s) => s.name.endsWith("_bucket")).map((s) => [s.labels["le"], s.value])).toEqual([
        ["0.1", 1],
        ["1", 3],
        ["10", 4],
        ["+Inf", 5]
      ])
      expect(get.find((s) => s.name === "prom_test_latency_sum")?.value).toBeCloseTo(56.05)
      expect(get.find((s) => s.name === "prom_test_latency_count")?.value).toBe(5)

      const sizes = family(families, "prom_test_sizes")
      expect(sizes.type).toBe("summary")
      expect(sizes.samples.filter((s) => s.name === "prom_test_sizes").map((s) => s.labels["quantile"])).toEqual(["0.5", "0.99"])
      expect(sizes.samples.find((s) => s.name === "prom_test_sizes_count")?.value).toBe(4)
      expect(sizes.samples.find((s) => s.name === "prom_test_sizes_sum")?.value).toBe(10)

      const outcomes = family(families, "prom_test_outcomes")
      expect(outcomes.type).toBe("counter")
      expect(Object.fromEntries(outcomes.samples.map((s) => [s.labels["key"], s.value]))).toEqual({ ok: 2, timeout: 1 })

      expect(family(families, "prom_test_odd_name").samples[0]?.value).toBe(1)
    }))

  it("names and values: sanitised names, reserved label prefix, special floats, one type per family", () => {
    expect(Prometheus.sanitizeMetricName("9lives.total")).toBe("_9lives_total")
    expect(Prometheus.sanitizeMetricName("a:b_c")).toBe("a:b_c")
    expect(Prometheus.sanitizeLabelName("__name")).toBe("x__name")
    expect(Prometheus.sanitizeLabelName("a:b")).toBe("a_b")
    expect([NaN, Infinity, -Infinity, 1e21, 0.25, 7n].map(Prometheus.formatValue)).toEqual(["NaN", "+Inf", "-Inf", "1e+21", "0.25", "7"])

    const pair = (key: MetricKey.MetricKey.Untyped, state: MetricState.MetricState.Untyped) =>
      MetricPair.unsafeMake(key as any, state as any)
    const text = Prometheus.render([
      pair(MetricKey.counter("prom_clash"), MetricState.counter(1)),
      pair(MetricKey.gauge("prom_clash"), MetricState.gauge(2)),
      // A histogram state without a +Inf bound still gets one, equal to the count.
      pair(MetricKey.histogram("prom_bare", MetricBoundaries.fromIterable([1])),
        MetricState.histogram({ buckets: [[1, 2]], count: 3, min: 0, max: 4, sum: 5 })
      ),
      pair(MetricKey.summary({ name: "prom_empty", maxAge: "1 minute", maxSize: 1, error: 0, quantiles: [0.5] }), MetricState.summary({
        error: 0,
        quantiles: [[0.5, Option.none()]],
        count: 0,
        min: 0,
        max: 0,
        sum: 0
      }))
    ])
    const families = parsePrometheus(text)
    expect(family(families, "prom_clash")).toMatchObject({ type: "counter", samples: [{ value: 1 }] })
    expect(text).toContain("# prom_clash: a gauge series left out, the family is a counter")
    expect(checkHistogram(family(families, "prom_bare"))).toBe(1)
    expect(family(families, "prom_empty").samples[0]?.value).toBeNaN()
    expect(Prometheus.render([])).toBe("")
  })
})

describe("the strict Prometheus parser used by the tests", () => {
  const good = "# HELP a_total some help\n# TYPE a_total counter\na_total{x=\"1\"} 2\n"
  it("accepts a well-formed exposition, comments, timestamps, a trailing comma and special values", () => {
    const families = parsePrometheus(`${good}# just a comment\nb{y="\\\\",} +Inf 1700000000000\nc NaN\n\n`)
    expect(family(families, "a_total").samples[0]?.value).toBe(2)
    expect(family(families, "b").samples[0]).toEqual({ name: "b", labels: { y: "\\" }, value: Infinity, timestamp: 1700000000000 })
    expect(family(families, "b").type).toBe("untyped")
  })

  const bad: ReadonlyArray<readonly [string, string, RegExp]> = [
    ["no value", "a_total\n", /expected a value/],
    ["a value that is no number", "a 1,5\n", /not a number/],
    ["junk after the timestamp", "a 1 2 3\n", /expected a value/],
    ["a name starting with a digit", "1a 1\n", /must start with a metric name/],
    ["an unknown escape", "a{x=\"\\t\"} 1\n", /bad escape/],
    ["an unterminated label value", "a{x=\"1} 1\n", /unterminated/],
    ["a label without quotes", "a{x=1} 1\n", /expected "/],
    ["a label given twice", "a{x=\"1\",x=\"2\"} 1\n", /given twice/],
    ["a reserved label name", "a{__x=\"1\"} 1\n", /reserved/],
    ["a missing comma", "a{x=\"1\" y=\"2\"} 1\n", /expected , or }/],
    ["an unknown TYPE", "# TYPE a countr\n", /unknown TYPE/],
    ["a TYPE after the samples", "a 1\n# TYPE a counter\n", /after its samples/],
    ["a second TYPE", "# TYPE a counter\n# TYPE a counter\n", /second TYPE/],
    ["a second HELP", "# HELP a x\n# HELP a y\n", /second HELP/],
    ["a bad metric name in TYPE", "# TYPE a-b counter\n", /bad metric name/],
    ["samples of a family apart", "a 1\nb 1\na 2\n", /not together/],
    ["a bucket without le", "# TYPE h histogram\nh_bucket 1\n", /without le/],
    ["a histogram sample of no known kind", "# TYPE h histogram\nh 1\n", /has no sample h/],
    ["a quantile sample without quantile", "# TYPE s summary\ns 1\n", /without quantile/],
    ["a bad HELP escape", "# HELP a x\\y\n", /bad escape/],
    ["a carriage return", "a 1\r\n", /carriage return/],
    ["no final line feed", "a 1", /must end with a line feed/]
  ]
  for (const [what, text, error] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => parsePrometheus(text)).toThrow(error)
    })
  }

  it("checks histograms: +Inf present and equal to _count, counts never falling, le ascending", () => {
    const histogram = (lines: string) => family(parsePrometheus(`# TYPE h histogram\n${lines}`), "h")
    const ok = "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
    expect(checkHistogram(histogram(ok))).toBe(1)
    expect(() => checkHistogram(histogram("h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n"))).toThrow(/no \+Inf/)
    expect(() => checkHistogram(histogram("h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 3\n"))).toThrow(/is not _count/)
    expect(() => checkHistogram(histogram("h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 3\nh_count 1\n"))).toThrow(/fall/)
    expect(() => checkHistogram(histogram("h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"))).toThrow(/ascending/)
    expect(() => checkHistogram(histogram("h_bucket{le=\"+Inf\"} 1\nh_count 1\n"))).toThrow(/no _count or _sum/)
  })
})
