/**
 * Loaded by every test worker before any test file: notes the digest of the sources synthesis reads
 * before the worker loads any of them (see SYNTHESIS_SOURCES in simulation/deploy/build-cache.ts).
 */
import '../simulation/deploy/build-cache.js';
