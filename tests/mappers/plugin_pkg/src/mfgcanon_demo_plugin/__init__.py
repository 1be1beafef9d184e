"""A demo mapper: ``material,description,base_uom`` CSV lines -> MaterialUpserted events."""

from __future__ import annotations

from typing import Any, ClassVar

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, MappingResult, Reject
from mfgcanon.v1 import Material, MaterialUpserted, SourceRef, build_event


class DemoCsvMapper:
    name: ClassVar[str] = "demo-csv"
    description: ClassVar[str] = "demo CSV materials"
    produces: ClassVar[tuple[type[Any], ...]] = (MaterialUpserted,)
    accepts: ClassVar[tuple[type[Any], ...]] = ()

    def sniff(self, payload: Any) -> bool:
        return isinstance(payload, bytes) and payload.startswith(b"material,")

    def to_canonical(self, payload: Any, context: MappingContext | None = None) -> MappingResult:
        result = MappingResult()
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        for number, line in enumerate(text.splitlines()[1:], start=2):
            parts = line.split(",")
            try:
                material = Material(
                    material_id=parts[0],
                    description=parts[1],
                    base_uom=parts[2],
                    source=SourceRef(
                        system=(context and context.source_system) or "DEMO", document_type="CSV", document_id=parts[0]
                    ),
                )
                result.add_event(build_event(MaterialUpserted, codecs.validate(material)))
            except Exception as exc:
                result.add_reject(
                    Reject(code="invalid_value", reason=str(exc), location=f"/{number}", line=number, payload=line)
                )
        return result

    def from_canonical(self, items: Any, context: MappingContext | None = None) -> Any:
        raise NotImplementedError
