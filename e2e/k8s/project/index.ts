/** The real program, unchanged: whatever `pulumi up` does here is what it does for an operator. */
import stack = require("../../../stacks/index");

export = stack;
