// Package workertest runs `outflow worker` as real processes on one Redis, against a real
// receiver, and checks that webhook deliveries survive a worker killed mid-delivery and a
// receiver that is down for a while, with signatures verified by the Standard Webhooks reference
// library. It needs a real Redis (OUTFLOW_TEST_REDIS_URL).
package workertest
