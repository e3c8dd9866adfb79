"""Rollout workers as Ray actors: each actor hosts one env (one simulator on the actor's
node), and the learner drives them as one Gymnasium vector env (``RayVectorEnv``) or
hands them whole episodes to play (``ran-gym collect``)."""
