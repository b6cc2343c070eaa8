// The outside world: etcd, Kubernetes, Prometheus, the planner's /metrics (filled by their issues).
import PlannerCore
