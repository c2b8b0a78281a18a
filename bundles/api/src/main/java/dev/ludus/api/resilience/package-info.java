/**
 * Resilience policies around the calls Ludus makes to something outside its process (archive
 * backends, Redis, brokers, webhooks' receivers, the disk): a {@link dev.ludus.api.resilience.Resilience}
 * service hands out named {@link dev.ludus.api.resilience.Policy policies}, each a circuit breaker,
 * retries with backoff and jitter, and optionally a time limit, a bulkhead and a rate limit, set by
 * the operator per name and changed live. A caller keeps its own exceptions: a call that fails after
 * its retries throws the call's last failure; only a call the policy refuses to make throws
 * {@link dev.ludus.api.resilience.ResilienceException}.
 *
 * <p>1.1: {@link dev.ludus.api.resilience.Policy#callAsync} for calls that answer with a
 * {@code CompletionStage} (broker publishes). Nothing of 1.0 changed.
 */
@Export
@Version("1.1.0")
package dev.ludus.api.resilience;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
