"""Pure numpy kernels. numpy and the standard library only; imports nothing of ours."""
