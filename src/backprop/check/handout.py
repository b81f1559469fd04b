"""What the handout (Lab 1, NYCU DL) asks of a submission, as data the checker compares
with: the forbidden frameworks, the two generators' exact source, the report's six
sections and their sub-items, and the accuracy bar."""

from __future__ import annotations

# "Pytorch, TensorFlow, ... frameworks are NOT allowed": top-level module → framework.
FORBIDDEN = {
    "torch": "PyTorch",
    "torchvision": "PyTorch",
    "lightning": "PyTorch Lightning",
    "pytorch_lightning": "PyTorch Lightning",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "tf_keras": "Keras",
    "jax": "JAX",
    "jaxlib": "JAX",
    "flax": "JAX",
    "sklearn": "scikit-learn",
    "theano": "Theano",
    "mxnet": "MXNet",
    "paddle": "PaddlePaddle",
    "chainer": "Chainer",
    "autograd": "autograd",
    "cntk": "CNTK",
    "mlx": "MLX",
    "tinygrad": "tinygrad",
    "micrograd": "micrograd",
}
# "You can only use Numpy and other python standard libraries ... allowed to use matplotlib"
ALLOWED = frozenset({"numpy", "matplotlib"})

# "Do NOT overwrite these functions": the handout's text, verbatim.
GENERATORS_SOURCE = """
def generate_linear(n=100):
    import numpy as np
    pts = np.random.uniform(0, 1, (n, 2))
    inputs = []
    labels = []
    for pt in pts:
        inputs.append([pt[0], pt[1]])
        distance = (pt[0]-pt[1])/1.414
        if pt[0] > pt[1]:
            labels.append(0)
        else:
            labels.append(1)
    return np.array(inputs), np.array(labels).reshape(n, 1)


def generate_XOR_easy():
    import numpy as np
    inputs = []
    labels = []

    for i in range(11):
        inputs.append([0.1*i, 0.1*i])
        labels.append(0)

        if 0.1*i == 0.5:
            continue

        inputs.append([0.1*i, 1-0.1*i])
        labels.append(1)

    return np.array(inputs), np.array(labels).reshape(21, 1)
"""
GENERATORS = ("generate_linear", "generate_XOR_easy")

# "Report Spec": (number, title, patterns) and its sub-items (letter, title, patterns);
# a pattern is a regular expression searched in the report's lower-cased text.
Item = tuple[str, str, tuple[str, ...]]
SECTIONS: tuple[tuple[Item, tuple[Item, ...]], ...] = (
    (("1", "Introduction", (r"introduction",)), ()),
    (
        ("2", "Implementation Details", (r"implementation",)),
        (
            ("A", "Sigmoid function", (r"sigmoid",)),
            ("B", "Neural network architecture", (r"architecture",)),
            ("C", "Back-propagation", (r"back-? ?propagation",)),
        ),
    ),
    (
        ("3", "Experimental Results", (r"experiment\w* results?", r"\bresults\b")),
        (
            ("A", "Screenshot and comparison figure", (r"screenshot", r"comparison")),
            ("B", "Show the accuracy of your prediction", (r"accuracy",)),
            ("C", "Learning curve (loss-epoch curve)", (r"learning curve", r"loss-? ?epoch")),
            ("D", "Anything you want to present", (r"anything you want to present",)),
        ),
    ),
    (
        ("4", "Discussion", (r"discussion",)),
        (
            ("A", "Try different learning rates", (r"learning rates",)),
            ("B", "Try different numbers of hidden units", (r"hidden units", r"hidden size")),
            ("C", "Try without activation functions", (r"without (the )?activation",)),
            ("D", "Anything you want to share", (r"anything you want to share",)),
        ),
    ),
    (
        ("5", "Questions", (r"questions?",)),
        (
            ("A", "What is the purpose of activation functions?", (r"purpose of activation",)),
            (
                "B",
                "What might happen if the learning rate is too large or too small?",
                (r"too large", r"too small"),
            ),
            ("C", "What is the purpose of weights and biases?", (r"weights and bias",)),
        ),
    ),
    (
        ("6", "Extra", (r"\bextra\b", r"\bbonus\b")),
        (
            ("A", "Implement different optimizers", (r"optimi[sz]ers",)),
            ("B", "Implement different activation functions", (r"activation functions",)),
            ("C", "Implement convolutional layers", (r"convolution",)),
        ),
    ),
)
OPTIONAL_SECTIONS = frozenset({"6"})  # Extra is a bonus: its absence is a note, not a look

ACCURACY_BAR = 90.0  # "Achieve 90% accuracy in testing", in percent
