"""The trainers of ``ran-gym train``, one module per agent (``ran_gym.commands.train``
names them per scenario); ``common`` holds what they share."""
