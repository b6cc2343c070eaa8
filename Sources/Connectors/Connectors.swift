// Connectors: the planner's outside world.
// - Etcd/: a v3 client over etcd's JSON gateway, with endpoint fail-over and watches.
// - VirtualConnector*: the etcd hand-off of scaling decisions (docs/behaviour.md §8.1) and LeaderElection.
// - Kubernetes/: the DynamoGraphDeployment connector (docs/behaviour.md §8.2).
// - Prometheus/: the metrics source of the live loop (docs/behaviour.md §7).
// - PlannerMetrics/: the planner's own gauges on /metrics (docs/behaviour.md §5).
import PlannerCore
