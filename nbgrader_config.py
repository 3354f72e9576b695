"""nbgrader configuration for running nbgrader commands from the repository root.

Source assignments (with solutions and hidden tests) are tracked in git under
``notebooks/assignments/<assignment>/``. Everything nbgrader generates -- release, submitted,
autograded and feedback folders, and the gradebook -- goes under ``course/``, which git ignores.

    nbgrader generate_assignment ps0_test_accuracy
    nbgrader autograde ps0_test_accuracy
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

_HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "mlhc"
c.CourseDirectory.root = _HERE
c.CourseDirectory.source_directory = os.path.join("notebooks", "assignments")
c.CourseDirectory.release_directory = os.path.join("course", "release")
c.CourseDirectory.submitted_directory = os.path.join("course", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("course", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("course", "feedback")
c.CourseDirectory.solution_directory = os.path.join("course", "solution")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_HERE, "course", "gradebook.db")
# SQLite creates the gradebook file but not its folder; plain `nbgrader` commands need course/ to exist.
os.makedirs(os.path.join(_HERE, "course"), exist_ok=True)

# Autograding: a per-cell timeout, and never let a student notebook hang the batch.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True

# Student versions: replace solutions with a clear stub.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Student exercise: replace this line with your answer")'
}
