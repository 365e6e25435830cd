# Sourced by run_host and run_vm: the functional suite, which runs
# unchanged on every backend (JITSEAL_BACKEND chooses it).
FUNCTIONAL_TESTS="pool_create alloc finalize discard batch bad_input packing
growth riprel stats fork share sealed stress free shrink slots unit unfilled messages"
