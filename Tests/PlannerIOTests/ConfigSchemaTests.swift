import XCTest
@testable import PlannerIO

/// The config document reader and the schema merge on a toy command: types,
/// ranges, paths and lines in errors, flags over the file, other commands'
/// fields, Dynamo's unimplemented fields, and the defaults round trip.
final class ConfigSchemaTests: XCTestCase {
    enum Color: String, CaseIterable { case red, green }

    struct Toy {
        var interval = 180
        var ttft = 500.0
        var log1p = false
        var color = Color.red
        var name = "a"
        var warmup: String?
        var floor: Int?
        var query: String?
    }

    static let fields: [ConfigField<Toy>] = [
        .integer("throughput_adjustment_interval_seconds", \.interval, flag: "--adjustment-interval",
                 aliases: ["throughput_adjustment_interval"], range: 1...86_400, help: "Interval."),
        .number("ttft_ms", \.ttft, flag: "--ttft", aliases: ["ttft"], rule: .positive, help: "TTFT."),
        .boolean("load_predictor_log1p", \.log1p, flag: "--load-predictor-log1p", help: "log1p."),
        .choice("color", \.color, flag: "--color", help: "Color."),
        .text("name", \.name, flag: "--name", help: "Name."),
        .optionalText("warmup", \.warmup, flag: "--warmup", help: "Warm-up."),
        .optionalInteger("prefill_min_endpoint", \.floor, flag: "--prefill-min-endpoint", range: 1...100, help: "Floor."),
        .queryParameters("extra", \.query, flag: "--extra", help: "Extra."),
    ]

    let schema = ConfigSchema(fields: ConfigSchemaTests.fields, otherCommandFields: ["environment", "backend"],
                              notImplemented: [NotImplementedField("optimization_target", matching: .string("sla")),
                                               NotImplementedField("scheduling")])

    func apply(_ text: String, flags: Set<String> = []) throws -> (Toy, ConfigSchema<Toy>.Outcome) {
        var toy = Toy()
        let outcome = try schema.apply(ConfigDocument.parse(text, source: "c.yaml"), to: &toy, flagsGiven: flags)
        return (toy, outcome)
    }

    func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
        do {
            _ = try apply(text)
            XCTFail("expected an error for: \(text)", file: file, line: line)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    func testYAMLAndJSONGiveTheSameValues() throws {
        let yaml = """
        throughput_adjustment_interval: 60
        ttft: 200
        load_predictor_log1p: true
        color: green
        name: "b c"
        warmup: null
        prefill_min_endpoint: 2
        extra: {tenant: a b, ns: x}
        """
        let json = #"{"throughput_adjustment_interval": 60, "ttft": 200, "load_predictor_log1p": true, "color": "green", "name": "b c", "warmup": null, "prefill_min_endpoint": 2, "extra": {"tenant": "a b", "ns": "x"}}"#
        for text in [yaml, json] {
            let (toy, outcome) = try apply(text)
            XCTAssertEqual(toy.interval, 60)
            XCTAssertEqual(toy.ttft, 200)
            XCTAssertTrue(toy.log1p)
            XCTAssertEqual(toy.color, .green)
            XCTAssertEqual(toy.name, "b c")
            XCTAssertNil(toy.warmup)
            XCTAssertEqual(toy.floor, 2)
            XCTAssertEqual(toy.query, "tenant=a%20b&ns=x")
            XCTAssertEqual(outcome.warnings, [])
        }
    }

    func testFlagsGivenOnTheCommandLineWin() throws {
        var toy = Toy()
        toy.ttft = 42  // as parsed from --ttft 42
        let outcome = try schema.apply(ConfigDocument.parse("ttft_ms: 200\nname: z", source: "c.yaml"), to: &toy,
                                       flagsGiven: ["--ttft"])
        XCTAssertEqual(toy.ttft, 42)
        XCTAssertEqual(toy.name, "z")
        XCTAssertEqual(outcome.overriddenByFlags, ["ttft_ms"])
    }

    func testErrorsNameFieldLineAndReason() {
        let cases: [(String, Int?, String, String)] = [
            ("ttft_ms: 1\nbogus_field: 3", 2, "bogus_field", "unknown field"),
            ("ttft_msx: 3", 1, "ttft_msx", "did you mean 'ttft_ms'?"),
            ("name: a\nttft_ms: fast", 2, "ttft_ms", "expected a number, got a string"),
            ("ttft_ms: -5", 1, "ttft_ms", "must be greater than 0 (got -5.0)"),
            ("ttft_ms: .inf", 1, "ttft_ms", "must be a finite number"),
            ("ttft_ms: .nan", 1, "ttft_ms", "must be a finite number"),
            ("throughput_adjustment_interval_seconds: 0", 1, "throughput_adjustment_interval_seconds", "must be between 1 and 86400 (got 0)"),
            ("throughput_adjustment_interval_seconds: 2.5", 1, "throughput_adjustment_interval_seconds", "expected an integer"),
            ("throughput_adjustment_interval_seconds: 1e19", 1, "throughput_adjustment_interval_seconds", "expected an integer"),
            ("throughput_adjustment_interval_seconds: 99999999999999999999999", 1, "throughput_adjustment_interval_seconds", "expected an integer"),
            ("throughput_adjustment_interval_seconds: \"60\"", 1, "throughput_adjustment_interval_seconds", "expected an integer, got a string"),
            ("load_predictor_log1p: yes", 1, "load_predictor_log1p", "expected true or false"),
            ("color: blue", 1, "color", "must be one of red, green (got 'blue')"),
            ("prefill_min_endpoint: 0", 1, "prefill_min_endpoint", "must be between 1 and 100"),
            ("extra: [1, 2]", 1, "extra", "expected a mapping"),
            ("extra: {a: 1}", 1, "extra.a", "expected a string"),
            ("ttft: 1\nttft_ms: 2", 2, "ttft_ms", "the same setting as 'ttft'"),
            ("name: a\nname: b", 2, "name", "given twice"),
        ]
        for (text, line, path, message) in cases {
            guard let e = error(text) else { continue }
            XCTAssertEqual(e.line, line, text)
            XCTAssertEqual(e.path, path, text)
            XCTAssertTrue(e.message.contains(message), "\(text): \(e.message)")
            XCTAssertTrue(e.description.hasPrefix("c.yaml:\(line ?? 0): \(path): "), e.description)
        }
    }

    func testDocumentsThatAreNotAMappingAreRefused() {
        XCTAssertTrue(error("- a\n- b")?.message.contains("must be a mapping") ?? false)
        XCTAssertTrue(error("{\"ttft_ms\": ")?.message.contains("not valid YAML or JSON") ?? false)
        XCTAssertNotNil(try? apply(""), "an empty file means every default")
    }

    func testOtherCommandsFieldsAreAcceptedAndDynamoOnesWarnedOnce() throws {
        let (toy, outcome) = try apply("environment: kubernetes\nbackend: vllm\noptimization_target: sla\nname: q")
        XCTAssertEqual(toy.name, "q")
        XCTAssertEqual(outcome.warnings, [], "optimization_target: sla is what this planner does")
        let (_, warned) = try apply("optimization_target: throughput\nscheduling: {scale_interval_seconds: 5}")
        XCTAssertEqual(warned.warnings.count, 1)
        XCTAssertTrue(warned.warnings[0].contains("optimization_target, scheduling"), warned.warnings[0])
    }

    func testRenderedDefaultsReadBackToTheSameValues() throws {
        var toy = Toy()
        toy.name = "quote \" and \\ back"
        toy.ttft = 0.1
        toy.query = "a=1"
        let yaml = schema.renderYAML(toy)
        var back = Toy()
        back.name = "other"
        _ = try schema.apply(ConfigDocument.parse(yaml, source: "defaults"), to: &back, flagsGiven: [])
        XCTAssertEqual(back.name, toy.name)
        XCTAssertEqual(back.ttft, toy.ttft)
        XCTAssertEqual(back.interval, toy.interval)
        XCTAssertEqual(back.query, "a=1")
        XCTAssertNil(back.floor)
    }

    func testInlineJSONAndMissingFiles() throws {
        let doc = try ConfigDocument.load(argument: #"  {"ttft_ms": 3}"#)
        XCTAssertEqual(doc.source, "--config (inline JSON)")
        XCTAssertEqual(doc.fields.map(\.key), ["ttft_ms"])
        XCTAssertThrowsError(try ConfigDocument.load(argument: "/nonexistent/planner.yaml")) { error in
            XCTAssertTrue("\(error)".contains("neither an existing file nor inline JSON"), "\(error)")
        }
    }
}
