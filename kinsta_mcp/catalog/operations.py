"""Operations: the status of one of Kinsta's long-running operations."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from kinsta_mcp.catalog.spec import Effect, Id, Input, Operation, Output, Toolset, path

# -- inputs -------------------------------------------------------------------------


class GetOperationIn(Input):
    operation_id: Annotated[Id, path(), Field(description="From an earlier call", examples=["sites:add-54fb80af"])]


# -- outputs -------------------------------------------------------------------------


class OperationStatus(Output):
    status: int | None = Field(None, description="202 still running, 200 finished")
    message: str | None = None
    data: Any = None


# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="get_operation",
        title="Get operation status",
        description="Status of a long-running operation (202 running, 200 done).",
        method="GET",
        path="/operations/{operation_id}",
        input=GetOperationIn,
        output=OperationStatus,
        effect=Effect.READ,
        toolset=Toolset.OPERATIONS,
        untrusted=True,  # the message and data are relayed from the operation (WP-CLI output, errors)
    ),
]
