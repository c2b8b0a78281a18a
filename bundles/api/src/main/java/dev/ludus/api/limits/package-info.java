/**
 * Rate limits: how often a key (a player, an address, a room) may do something, as token buckets.
 * A {@link dev.ludus.api.limits.LimitPolicy} says how much; a {@link dev.ludus.api.limits.RateLimiter}
 * keeps the buckets (in memory, or shared between nodes) and answers each request with a
 * {@link dev.ludus.api.limits.Decision}. Whoever enforces a limit owns its policies (the gateway
 * reads them from its configuration); a limiter bundle holds no policy of its own, so limiters can
 * be swapped under traffic without losing a rule.
 */
@Export
@Version("1.1.0")
package dev.ludus.api.limits;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
