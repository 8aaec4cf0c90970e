"""``grader serve``: the web form where students check themselves and a class hands in
(Starlette and uvicorn, the optional extra ``serve``). Nothing a student sends is run."""
