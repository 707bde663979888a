import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from metrics_build.wire import uuid_pb2 as _uuid_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MetricsDataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_DATA_TYPE: _ClassVar[MetricsDataType]
    DOUBLE_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    TIMESTAMP_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    UUID_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    STRING_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    METRIC_STATUS_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    INDEXED_DOUBLE_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    INDEXED_TIMESTAMP_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    INDEXED_UUID_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    INDEXED_STRING_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    INDEXED_METRIC_STATUS_SERIES_DATA_TYPE: _ClassVar[MetricsDataType]
    EXTERNAL_FILE_DATA_TYPE: _ClassVar[MetricsDataType]

class MetricStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_METRIC_STATUS: _ClassVar[MetricStatus]
    PASSED_METRIC_STATUS: _ClassVar[MetricStatus]
    FAIL_WARN_METRIC_STATUS: _ClassVar[MetricStatus]
    NOT_APPLICABLE_METRIC_STATUS: _ClassVar[MetricStatus]
    RAW_METRIC_STATUS: _ClassVar[MetricStatus]
    FAIL_BLOCK_METRIC_STATUS: _ClassVar[MetricStatus]

class MetricImportance(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_SPECIFIED_IMPORTANCE: _ClassVar[MetricImportance]
    ZERO_IMPORTANCE: _ClassVar[MetricImportance]
    LOW_IMPORTANCE: _ClassVar[MetricImportance]
    MEDIUM_IMPORTANCE: _ClassVar[MetricImportance]
    HIGH_IMPORTANCE: _ClassVar[MetricImportance]
    CRITICAL_IMPORTANCE: _ClassVar[MetricImportance]

class MetricType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_METRIC_TYPE: _ClassVar[MetricType]
    DOUBLE_SUMMARY_METRIC_TYPE: _ClassVar[MetricType]
    DOUBLE_OVER_TIME_METRIC_TYPE: _ClassVar[MetricType]
    LINE_PLOT_METRIC_TYPE: _ClassVar[MetricType]
    BAR_CHART_METRIC_TYPE: _ClassVar[MetricType]
    STATES_OVER_TIME_METRIC_TYPE: _ClassVar[MetricType]
    HISTOGRAM_METRIC_TYPE: _ClassVar[MetricType]
    SCALAR_METRIC_TYPE: _ClassVar[MetricType]
    PLOTLY_METRIC_TYPE: _ClassVar[MetricType]
    IMAGE_METRIC_TYPE: _ClassVar[MetricType]
    BATCHWISE_BAR_CHART_METRIC_TYPE: _ClassVar[MetricType]
    TEXT_METRIC_TYPE: _ClassVar[MetricType]
    IMAGE_LIST_METRIC_TYPE: _ClassVar[MetricType]

class TimestampType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_TYPE: _ClassVar[TimestampType]
    ABSOLUTE_TIMESTAMP: _ClassVar[TimestampType]
    RELATIVE_TIMESTAMP: _ClassVar[TimestampType]
NO_DATA_TYPE: MetricsDataType
DOUBLE_SERIES_DATA_TYPE: MetricsDataType
TIMESTAMP_SERIES_DATA_TYPE: MetricsDataType
UUID_SERIES_DATA_TYPE: MetricsDataType
STRING_SERIES_DATA_TYPE: MetricsDataType
METRIC_STATUS_SERIES_DATA_TYPE: MetricsDataType
INDEXED_DOUBLE_SERIES_DATA_TYPE: MetricsDataType
INDEXED_TIMESTAMP_SERIES_DATA_TYPE: MetricsDataType
INDEXED_UUID_SERIES_DATA_TYPE: MetricsDataType
INDEXED_STRING_SERIES_DATA_TYPE: MetricsDataType
INDEXED_METRIC_STATUS_SERIES_DATA_TYPE: MetricsDataType
EXTERNAL_FILE_DATA_TYPE: MetricsDataType
NO_METRIC_STATUS: MetricStatus
PASSED_METRIC_STATUS: MetricStatus
FAIL_WARN_METRIC_STATUS: MetricStatus
NOT_APPLICABLE_METRIC_STATUS: MetricStatus
RAW_METRIC_STATUS: MetricStatus
FAIL_BLOCK_METRIC_STATUS: MetricStatus
NO_SPECIFIED_IMPORTANCE: MetricImportance
ZERO_IMPORTANCE: MetricImportance
LOW_IMPORTANCE: MetricImportance
MEDIUM_IMPORTANCE: MetricImportance
HIGH_IMPORTANCE: MetricImportance
CRITICAL_IMPORTANCE: MetricImportance
NO_METRIC_TYPE: MetricType
DOUBLE_SUMMARY_METRIC_TYPE: MetricType
DOUBLE_OVER_TIME_METRIC_TYPE: MetricType
LINE_PLOT_METRIC_TYPE: MetricType
BAR_CHART_METRIC_TYPE: MetricType
STATES_OVER_TIME_METRIC_TYPE: MetricType
HISTOGRAM_METRIC_TYPE: MetricType
SCALAR_METRIC_TYPE: MetricType
PLOTLY_METRIC_TYPE: MetricType
IMAGE_METRIC_TYPE: MetricType
BATCHWISE_BAR_CHART_METRIC_TYPE: MetricType
TEXT_METRIC_TYPE: MetricType
IMAGE_LIST_METRIC_TYPE: MetricType
NO_TYPE: TimestampType
ABSOLUTE_TIMESTAMP: TimestampType
RELATIVE_TIMESTAMP: TimestampType

class MetricsDataId(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: _uuid_pb2.UUID
    def __init__(self, id: _Optional[_Union[_uuid_pb2.UUID, _Mapping]] = ...) -> None: ...

class DoubleSeries(_message.Message):
    __slots__ = ("series",)
    SERIES_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, series: _Optional[_Iterable[float]] = ...) -> None: ...

class TimestampSeries(_message.Message):
    __slots__ = ("series",)
    SERIES_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, series: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class UUIDSeries(_message.Message):
    __slots__ = ("series",)
    SERIES_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedCompositeFieldContainer[_uuid_pb2.UUID]
    def __init__(self, series: _Optional[_Iterable[_Union[_uuid_pb2.UUID, _Mapping]]] = ...) -> None: ...

class StringSeries(_message.Message):
    __slots__ = ("series",)
    SERIES_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, series: _Optional[_Iterable[str]] = ...) -> None: ...

class MetricStatusSeries(_message.Message):
    __slots__ = ("series",)
    SERIES_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedScalarFieldContainer[MetricStatus]
    def __init__(self, series: _Optional[_Iterable[_Union[MetricStatus, str]]] = ...) -> None: ...

class Series(_message.Message):
    __slots__ = ("doubles", "timestamps", "uuids", "strings", "statuses")
    DOUBLES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    UUIDS_FIELD_NUMBER: _ClassVar[int]
    STRINGS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    doubles: DoubleSeries
    timestamps: TimestampSeries
    uuids: UUIDSeries
    strings: StringSeries
    statuses: MetricStatusSeries
    def __init__(self, doubles: _Optional[_Union[DoubleSeries, _Mapping]] = ..., timestamps: _Optional[_Union[TimestampSeries, _Mapping]] = ..., uuids: _Optional[_Union[UUIDSeries, _Mapping]] = ..., strings: _Optional[_Union[StringSeries, _Mapping]] = ..., statuses: _Optional[_Union[MetricStatusSeries, _Mapping]] = ...) -> None: ...

class SeriesPerCategory(_message.Message):
    __slots__ = ("category_to_series",)
    class CategoryToSeriesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Series
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Series, _Mapping]] = ...) -> None: ...
    CATEGORY_TO_SERIES_FIELD_NUMBER: _ClassVar[int]
    category_to_series: _containers.MessageMap[str, Series]
    def __init__(self, category_to_series: _Optional[_Mapping[str, Series]] = ...) -> None: ...

class ExternalFile(_message.Message):
    __slots__ = ("path",)
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class MetricsData(_message.Message):
    __slots__ = ("metrics_data_id", "data_type", "name", "unit", "is_per_category", "category_names", "is_indexed", "index_data_id", "index_data_type", "series", "series_per_category", "external_file")
    METRICS_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    IS_PER_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_NAMES_FIELD_NUMBER: _ClassVar[int]
    IS_INDEXED_FIELD_NUMBER: _ClassVar[int]
    INDEX_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    INDEX_DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    SERIES_PER_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FILE_FIELD_NUMBER: _ClassVar[int]
    metrics_data_id: MetricsDataId
    data_type: MetricsDataType
    name: str
    unit: str
    is_per_category: bool
    category_names: _containers.RepeatedScalarFieldContainer[str]
    is_indexed: bool
    index_data_id: MetricsDataId
    index_data_type: MetricsDataType
    series: Series
    series_per_category: SeriesPerCategory
    external_file: ExternalFile
    def __init__(self, metrics_data_id: _Optional[_Union[MetricsDataId, _Mapping]] = ..., data_type: _Optional[_Union[MetricsDataType, str]] = ..., name: _Optional[str] = ..., unit: _Optional[str] = ..., is_per_category: _Optional[bool] = ..., category_names: _Optional[_Iterable[str]] = ..., is_indexed: _Optional[bool] = ..., index_data_id: _Optional[_Union[MetricsDataId, _Mapping]] = ..., index_data_type: _Optional[_Union[MetricsDataType, str]] = ..., series: _Optional[_Union[Series, _Mapping]] = ..., series_per_category: _Optional[_Union[SeriesPerCategory, _Mapping]] = ..., external_file: _Optional[_Union[ExternalFile, _Mapping]] = ...) -> None: ...

class MetricId(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: _uuid_pb2.UUID
    def __init__(self, id: _Optional[_Union[_uuid_pb2.UUID, _Mapping]] = ...) -> None: ...

class JobId(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: _uuid_pb2.UUID
    def __init__(self, id: _Optional[_Union[_uuid_pb2.UUID, _Mapping]] = ...) -> None: ...

class EventId(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: _uuid_pb2.UUID
    def __init__(self, id: _Optional[_Union[_uuid_pb2.UUID, _Mapping]] = ...) -> None: ...

class JobMetrics(_message.Message):
    __slots__ = ("job_id", "job_level_metrics", "metrics_data", "metrics_status", "events")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_LEVEL_METRICS_FIELD_NUMBER: _ClassVar[int]
    METRICS_DATA_FIELD_NUMBER: _ClassVar[int]
    METRICS_STATUS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    job_id: JobId
    job_level_metrics: MetricCollection
    metrics_data: _containers.RepeatedCompositeFieldContainer[MetricsData]
    metrics_status: MetricStatus
    events: _containers.RepeatedCompositeFieldContainer[Event]
    def __init__(self, job_id: _Optional[_Union[JobId, _Mapping]] = ..., job_level_metrics: _Optional[_Union[MetricCollection, _Mapping]] = ..., metrics_data: _Optional[_Iterable[_Union[MetricsData, _Mapping]]] = ..., metrics_status: _Optional[_Union[MetricStatus, str]] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class MetricCollection(_message.Message):
    __slots__ = ("metrics", "metrics_status")
    METRICS_FIELD_NUMBER: _ClassVar[int]
    METRICS_STATUS_FIELD_NUMBER: _ClassVar[int]
    metrics: _containers.RepeatedCompositeFieldContainer[Metric]
    metrics_status: MetricStatus
    def __init__(self, metrics: _Optional[_Iterable[_Union[Metric, _Mapping]]] = ..., metrics_status: _Optional[_Union[MetricStatus, str]] = ...) -> None: ...

class Metric(_message.Message):
    __slots__ = ("metric_id", "name", "type", "description", "status", "should_display", "metric_values", "blocking", "importance", "job_id", "order", "event_metric", "tags")
    METRIC_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHOULD_DISPLAY_FIELD_NUMBER: _ClassVar[int]
    METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    EVENT_METRIC_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    metric_id: MetricId
    name: str
    type: MetricType
    description: str
    status: MetricStatus
    should_display: bool
    metric_values: MetricValues
    blocking: bool
    importance: MetricImportance
    job_id: JobId
    order: float
    event_metric: bool
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    def __init__(self, metric_id: _Optional[_Union[MetricId, _Mapping]] = ..., name: _Optional[str] = ..., type: _Optional[_Union[MetricType, str]] = ..., description: _Optional[str] = ..., status: _Optional[_Union[MetricStatus, str]] = ..., should_display: _Optional[bool] = ..., metric_values: _Optional[_Union[MetricValues, _Mapping]] = ..., blocking: _Optional[bool] = ..., importance: _Optional[_Union[MetricImportance, str]] = ..., job_id: _Optional[_Union[JobId, _Mapping]] = ..., order: _Optional[float] = ..., event_metric: _Optional[bool] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ...) -> None: ...

class Tag(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("event_id", "name", "description", "tags", "metrics", "status", "timestamp", "importance", "timestamp_type")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_TYPE_FIELD_NUMBER: _ClassVar[int]
    event_id: EventId
    name: str
    description: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    metrics: _containers.RepeatedCompositeFieldContainer[MetricId]
    status: MetricStatus
    timestamp: _timestamp_pb2.Timestamp
    importance: MetricImportance
    timestamp_type: TimestampType
    def __init__(self, event_id: _Optional[_Union[EventId, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., metrics: _Optional[_Iterable[_Union[MetricId, _Mapping]]] = ..., status: _Optional[_Union[MetricStatus, str]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., importance: _Optional[_Union[MetricImportance, str]] = ..., timestamp_type: _Optional[_Union[TimestampType, str]] = ...) -> None: ...

class MetricValues(_message.Message):
    __slots__ = ("double_metric_values", "double_over_time_metric_values", "line_plot_metric_values", "bar_chart_metric_values", "states_over_time_metric_values", "histogram_metric_values", "scalar_metric_values", "plotly_metric_values", "image_metric_values", "batchwise_bar_chart_metric_values", "text_metric_values", "image_list_metric_values")
    DOUBLE_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_OVER_TIME_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    LINE_PLOT_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    BAR_CHART_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    STATES_OVER_TIME_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    HISTOGRAM_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    SCALAR_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    PLOTLY_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    BATCHWISE_BAR_CHART_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    TEXT_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_LIST_METRIC_VALUES_FIELD_NUMBER: _ClassVar[int]
    double_metric_values: DoubleSummaryMetricValues
    double_over_time_metric_values: DoubleOverTimeMetricValues
    line_plot_metric_values: LinePlotMetricValues
    bar_chart_metric_values: BarChartMetricValues
    states_over_time_metric_values: StatesOverTimeMetricValues
    histogram_metric_values: HistogramMetricValues
    scalar_metric_values: ScalarMetricValues
    plotly_metric_values: PlotlyMetricValues
    image_metric_values: ImageMetricValues
    batchwise_bar_chart_metric_values: BatchwiseBarChartMetricValues
    text_metric_values: TextMetricValues
    image_list_metric_values: ImageListMetricValues
    def __init__(self, double_metric_values: _Optional[_Union[DoubleSummaryMetricValues, _Mapping]] = ..., double_over_time_metric_values: _Optional[_Union[DoubleOverTimeMetricValues, _Mapping]] = ..., line_plot_metric_values: _Optional[_Union[LinePlotMetricValues, _Mapping]] = ..., bar_chart_metric_values: _Optional[_Union[BarChartMetricValues, _Mapping]] = ..., states_over_time_metric_values: _Optional[_Union[StatesOverTimeMetricValues, _Mapping]] = ..., histogram_metric_values: _Optional[_Union[HistogramMetricValues, _Mapping]] = ..., scalar_metric_values: _Optional[_Union[ScalarMetricValues, _Mapping]] = ..., plotly_metric_values: _Optional[_Union[PlotlyMetricValues, _Mapping]] = ..., image_metric_values: _Optional[_Union[ImageMetricValues, _Mapping]] = ..., batchwise_bar_chart_metric_values: _Optional[_Union[BatchwiseBarChartMetricValues, _Mapping]] = ..., text_metric_values: _Optional[_Union[TextMetricValues, _Mapping]] = ..., image_list_metric_values: _Optional[_Union[ImageListMetricValues, _Mapping]] = ...) -> None: ...

class DoubleFailureDefinition(_message.Message):
    __slots__ = ("fails_above", "fails_below")
    FAILS_ABOVE_FIELD_NUMBER: _ClassVar[int]
    FAILS_BELOW_FIELD_NUMBER: _ClassVar[int]
    fails_above: float
    fails_below: float
    def __init__(self, fails_above: _Optional[float] = ..., fails_below: _Optional[float] = ...) -> None: ...

class DoubleSummaryMetricValues(_message.Message):
    __slots__ = ("value_data_id", "status_data_id", "series_index", "timestamp_index", "uuid_index", "string_index", "failure_definition")
    VALUE_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_INDEX_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_INDEX_FIELD_NUMBER: _ClassVar[int]
    UUID_INDEX_FIELD_NUMBER: _ClassVar[int]
    STRING_INDEX_FIELD_NUMBER: _ClassVar[int]
    FAILURE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    value_data_id: MetricsDataId
    status_data_id: MetricsDataId
    series_index: int
    timestamp_index: _timestamp_pb2.Timestamp
    uuid_index: _uuid_pb2.UUID
    string_index: str
    failure_definition: DoubleFailureDefinition
    def __init__(self, value_data_id: _Optional[_Union[MetricsDataId, _Mapping]] = ..., status_data_id: _Optional[_Union[MetricsDataId, _Mapping]] = ..., series_index: _Optional[int] = ..., timestamp_index: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., uuid_index: _Optional[_Union[_uuid_pb2.UUID, _Mapping]] = ..., string_index: _Optional[str] = ..., failure_definition: _Optional[_Union[DoubleFailureDefinition, _Mapping]] = ...) -> None: ...

class DoubleOverTimeMetricValues(_message.Message):
    __slots__ = ("doubles_over_time_data_id", "statuses_over_time_data_id", "failure_definition", "start_time", "end_time", "y_axis_name", "legend_series_names")
    DOUBLES_OVER_TIME_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_OVER_TIME_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    FAILURE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    Y_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGEND_SERIES_NAMES_FIELD_NUMBER: _ClassVar[int]
    doubles_over_time_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    statuses_over_time_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    failure_definition: _containers.RepeatedCompositeFieldContainer[DoubleFailureDefinition]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    y_axis_name: str
    legend_series_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, doubles_over_time_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., statuses_over_time_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., failure_definition: _Optional[_Iterable[_Union[DoubleFailureDefinition, _Mapping]]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., y_axis_name: _Optional[str] = ..., legend_series_names: _Optional[_Iterable[str]] = ...) -> None: ...

class LinePlotMetricValues(_message.Message):
    __slots__ = ("x_doubles_data_id", "y_doubles_data_id", "statuses_data_id", "x_axis_name", "y_axis_name", "legend_series_names")
    X_DOUBLES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    Y_DOUBLES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    X_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    Y_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGEND_SERIES_NAMES_FIELD_NUMBER: _ClassVar[int]
    x_doubles_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    y_doubles_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    statuses_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    x_axis_name: str
    y_axis_name: str
    legend_series_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, x_doubles_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., y_doubles_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., statuses_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., x_axis_name: _Optional[str] = ..., y_axis_name: _Optional[str] = ..., legend_series_names: _Optional[_Iterable[str]] = ...) -> None: ...

class BarChartMetricValues(_message.Message):
    __slots__ = ("values_data_id", "statuses_data_id", "legend_series_names", "x_axis_name", "y_axis_name", "stack_bars")
    VALUES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    LEGEND_SERIES_NAMES_FIELD_NUMBER: _ClassVar[int]
    X_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    Y_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    STACK_BARS_FIELD_NUMBER: _ClassVar[int]
    values_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    statuses_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    legend_series_names: _containers.RepeatedScalarFieldContainer[str]
    x_axis_name: str
    y_axis_name: str
    stack_bars: bool
    def __init__(self, values_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., statuses_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., legend_series_names: _Optional[_Iterable[str]] = ..., x_axis_name: _Optional[str] = ..., y_axis_name: _Optional[str] = ..., stack_bars: _Optional[bool] = ...) -> None: ...

class BatchwiseBarChartMetricValues(_message.Message):
    __slots__ = ("times_data_id", "values_data_id", "statuses_data_id", "categories", "colors", "x_axis_name", "y_axis_name", "stack_bars", "project_id")
    TIMES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    COLORS_FIELD_NUMBER: _ClassVar[int]
    X_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    Y_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    STACK_BARS_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    times_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    values_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    statuses_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    categories: _containers.RepeatedScalarFieldContainer[str]
    colors: _containers.RepeatedScalarFieldContainer[str]
    x_axis_name: str
    y_axis_name: str
    stack_bars: bool
    project_id: _uuid_pb2.UUID
    def __init__(self, times_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., values_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., statuses_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., categories: _Optional[_Iterable[str]] = ..., colors: _Optional[_Iterable[str]] = ..., x_axis_name: _Optional[str] = ..., y_axis_name: _Optional[str] = ..., stack_bars: _Optional[bool] = ..., project_id: _Optional[_Union[_uuid_pb2.UUID, _Mapping]] = ...) -> None: ...

class StatesOverTimeMetricValues(_message.Message):
    __slots__ = ("states_over_time_data_id", "statuses_over_time_data_id", "states_set", "failure_states", "legend_series_names")
    STATES_OVER_TIME_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_OVER_TIME_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATES_SET_FIELD_NUMBER: _ClassVar[int]
    FAILURE_STATES_FIELD_NUMBER: _ClassVar[int]
    LEGEND_SERIES_NAMES_FIELD_NUMBER: _ClassVar[int]
    states_over_time_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    statuses_over_time_data_id: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    states_set: _containers.RepeatedScalarFieldContainer[str]
    failure_states: _containers.RepeatedScalarFieldContainer[str]
    legend_series_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, states_over_time_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., statuses_over_time_data_id: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ..., states_set: _Optional[_Iterable[str]] = ..., failure_states: _Optional[_Iterable[str]] = ..., legend_series_names: _Optional[_Iterable[str]] = ...) -> None: ...

class HistogramMetricValues(_message.Message):
    __slots__ = ("values_data_id", "statuses_data_id", "buckets", "lower_bound", "upper_bound", "x_axis_name")
    class Bucket(_message.Message):
        __slots__ = ("lower", "upper")
        LOWER_FIELD_NUMBER: _ClassVar[int]
        UPPER_FIELD_NUMBER: _ClassVar[int]
        lower: float
        upper: float
        def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ...) -> None: ...
    VALUES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    X_AXIS_NAME_FIELD_NUMBER: _ClassVar[int]
    values_data_id: MetricsDataId
    statuses_data_id: MetricsDataId
    buckets: _containers.RepeatedCompositeFieldContainer[HistogramMetricValues.Bucket]
    lower_bound: float
    upper_bound: float
    x_axis_name: str
    def __init__(self, values_data_id: _Optional[_Union[MetricsDataId, _Mapping]] = ..., statuses_data_id: _Optional[_Union[MetricsDataId, _Mapping]] = ..., buckets: _Optional[_Iterable[_Union[HistogramMetricValues.Bucket, _Mapping]]] = ..., lower_bound: _Optional[float] = ..., upper_bound: _Optional[float] = ..., x_axis_name: _Optional[str] = ...) -> None: ...

class ScalarMetricValues(_message.Message):
    __slots__ = ("value", "failure_definition", "unit")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    value: float
    failure_definition: DoubleFailureDefinition
    unit: str
    def __init__(self, value: _Optional[float] = ..., failure_definition: _Optional[_Union[DoubleFailureDefinition, _Mapping]] = ..., unit: _Optional[str] = ...) -> None: ...

class PlotlyMetricValues(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: _struct_pb2.Struct
    def __init__(self, json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ImageMetricValues(_message.Message):
    __slots__ = ("image_data_id",)
    IMAGE_DATA_ID_FIELD_NUMBER: _ClassVar[int]
    image_data_id: MetricsDataId
    def __init__(self, image_data_id: _Optional[_Union[MetricsDataId, _Mapping]] = ...) -> None: ...

class ImageListMetricValues(_message.Message):
    __slots__ = ("image_data_ids",)
    IMAGE_DATA_IDS_FIELD_NUMBER: _ClassVar[int]
    image_data_ids: _containers.RepeatedCompositeFieldContainer[MetricsDataId]
    def __init__(self, image_data_ids: _Optional[_Iterable[_Union[MetricsDataId, _Mapping]]] = ...) -> None: ...

class TextMetricValues(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...
