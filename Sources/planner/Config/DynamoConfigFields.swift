import PlannerIO

/// Fields of Dynamo 1.6's `PlannerConfig` that this planner does not implement.
/// A value that asks for what this planner does anyway is accepted quietly (the
/// SLA target, throughput scaling on, load scaling off, no power awareness); any
/// other value is named in one warning at start-up.
enum DynamoConfigFields {
    static let notImplemented: [NotImplementedField] = [
        NotImplementedField("optimization_target", matching: .string("sla")),
        NotImplementedField("enable_throughput_scaling", matching: .bool(true)),
        NotImplementedField("enable_load_scaling", matching: .bool(false)),
        NotImplementedField("enable_power_awareness", matching: .bool(false)),
        NotImplementedField("speculative_nextn", matching: .int(0)),
        NotImplementedField("pre_deployment_sweeping_mode"),
        NotImplementedField("log_dir"),
        NotImplementedField("aic_interpolation"),
        NotImplementedField("ais_perf_model"),
        NotImplementedField("global_planner_namespace"),
        NotImplementedField("load_adjustment_interval_seconds"),
        NotImplementedField("load_adjustment_interval"),
        NotImplementedField("max_num_fpm_samples"),
        NotImplementedField("fpm_sample_bucket_size"),
        NotImplementedField("load_scaling_down_sensitivity"),
        NotImplementedField("load_min_observations"),
        NotImplementedField("prefill_scale_up_queue_tokens"),
        NotImplementedField("prefill_scale_down_queue_tokens"),
        NotImplementedField("decode_scale_up_kv_rate"),
        NotImplementedField("decode_scale_down_kv_rate"),
        NotImplementedField("total_gpu_power_limit"),
        NotImplementedField("report_output_dir"),
        NotImplementedField("report_filename"),
        NotImplementedField("report_write_gzip_log"),
        NotImplementedField("live_dashboard_port"),
        NotImplementedField("scheduling"),
        NotImplementedField("plugin_registration"),
    ]
}
